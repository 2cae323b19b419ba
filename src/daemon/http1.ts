/**
 * A small, strict HTTP/1.1 server side for one request per connection: reads the request
 * head (bounded, else 431), streams the body as the handler pulls it (`Content-Length` or
 * chunked, `Expect: 100-continue` answered when the body is first read), and writes one
 * response with `Connection: close`. It works on any {@linkcode ByteConn}, so it has no
 * platform code; `server.ts` binds it to the daemon's sockets.
 *
 * It exists so the daemon does not load Deno's Node.js layer (`node:http`, `node:net`,
 * about 10 MiB of RSS) while keeping what `Deno.serve` cannot: a deadline on receiving the
 * request that stops once it is in.
 *
 * @module
 */

/** The part of a connection this module uses (a `Deno.Conn` is one). */
export interface ByteConn {
  /** Reads into `p`; the byte count, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; the byte count. */
  write(p: Uint8Array): Promise<number>;
}

/** A request head the server refuses, with the status it answers. */
export class HttpHeadError extends Error {
  /** 400 or 431 (or 501 for a transfer coding other than chunked). */
  readonly status: number;

  /** `message` says what was wrong with the head. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpHeadError";
    this.status = status;
  }
}

/** The head of a request. */
export interface RequestHead {
  method: string;
  /** The request target as sent (`/cni`, `/readyz?x`). */
  target: string;
  headers: Headers;
  /** The body's framing: none, `Content-Length` bytes, or chunked. */
  body: { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };
  /** `Expect: 100-continue` was sent. */
  expectContinue: boolean;
}

/** The bound of a request head (request line and headers), as Node.js's default. */
export const MAX_HEAD_BYTES = 16 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/;
const END = [13, 10, 13, 10];

function indexOfEnd(buf: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from - 3); i + 4 <= buf.length; i++) {
    for (let j = 0; j < 4; j++) if (buf[i + j] !== END[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Reads a request head from `conn`. Returns the head and the bytes read past it (the
 * start of the body), or null when the connection ended before a head began.
 *
 * @throws {HttpHeadError} 431 past {@linkcode MAX_HEAD_BYTES}, 400 for a malformed head
 * or a connection that ended inside it.
 */
export async function readHead(
  conn: ByteConn,
): Promise<{ head: RequestHead; rest: Uint8Array } | null> {
  let buf: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) {
      if (buf.length === 0) return null;
      throw new HttpHeadError(400, "the connection ended inside the request head");
    }
    const from = buf.length;
    buf = concat(buf, chunk.subarray(0, n));
    const end = indexOfEnd(buf, from);
    if (end >= 0 && end + 4 <= MAX_HEAD_BYTES) {
      return { head: parseHead(decoder.decode(buf.subarray(0, end))), rest: buf.slice(end + 4) };
    }
    if (buf.length >= MAX_HEAD_BYTES) {
      throw new HttpHeadError(431, "the request head is larger than 16 KiB");
    }
  }
}

/**
 * Parses a request head (the text before the blank line).
 *
 * @throws {HttpHeadError} 400 for a malformed request line or header, conflicting or
 * invalid `Content-Length`, both `Content-Length` and `Transfer-Encoding`; 501 for a
 * transfer coding other than `chunked`.
 */
export function parseHead(text: string): RequestHead {
  const lines = text.split("\r\n");
  const line = REQUEST_LINE.exec(lines[0] ?? "");
  if (!line) throw new HttpHeadError(400, "malformed request line");
  const headers = new Headers();
  for (const raw of lines.slice(1)) {
    const colon = raw.indexOf(":");
    const name = colon > 0 ? raw.slice(0, colon) : "";
    if (!TOKEN.test(name) || /[\0\r\n]/.test(raw)) {
      throw new HttpHeadError(400, "malformed header line");
    }
    headers.append(name, raw.slice(colon + 1).trim());
  }
  const te = headers.get("transfer-encoding");
  const cl = headers.get("content-length");
  let body: RequestHead["body"] = { kind: "none" };
  if (te !== null) {
    if (cl !== null) throw new HttpHeadError(400, "both Content-Length and Transfer-Encoding");
    if (te.toLowerCase() !== "chunked") throw new HttpHeadError(501, "unsupported transfer coding");
    body = { kind: "chunked" };
  } else if (cl !== null) {
    const values = new Set(cl.split(",").map((v) => v.trim()));
    const [value] = values;
    if (values.size !== 1 || !/^\d{1,15}$/.test(value!)) {
      throw new HttpHeadError(400, "invalid Content-Length");
    }
    const length = Number(value);
    if (length > 0) body = { kind: "length", length };
  }
  const expectContinue = (headers.get("expect") ?? "").toLowerCase() === "100-continue";
  return { method: line[1]!, target: line[2]!, headers, body, expectContinue };
}

/** Reads exactly what `conn` sends of a body, from `rest` (already read) on. */
class BodyReader {
  #rest: Uint8Array;
  readonly #conn: ByteConn;

  constructor(conn: ByteConn, rest: Uint8Array) {
    this.#conn = conn;
    this.#rest = rest;
  }

  /** Up to `max` bytes; throws when the connection ends first. */
  async some(max: number): Promise<Uint8Array> {
    if (this.#rest.length === 0) {
      const buf = new Uint8Array(Math.min(max, 64 * 1024));
      const n = await this.#conn.read(buf);
      if (n === null) throw new Error("the client went away");
      return buf.subarray(0, n);
    }
    const out = this.#rest.subarray(0, max);
    this.#rest = this.#rest.subarray(out.length);
    return out;
  }

  /** One line (without CRLF), for chunk sizes and trailers; bounded at 4 KiB. */
  async line(): Promise<string> {
    let text = "";
    for (;;) {
      const b = await this.some(1);
      if (b[0] === 10) return text.endsWith("\r") ? text.slice(0, -1) : text;
      text += String.fromCharCode(b[0]!);
      if (text.length > 4096) throw new Error("malformed chunked body");
    }
  }
}

/**
 * The body of a request with `head`, pulled from `conn` as it is read (`rest` is what
 * came with the head). `onStart` runs before the first read (to answer 100-continue);
 * `onEnd` once the whole body is in. Errors when the client goes away midway.
 */
export function bodyStream(
  conn: ByteConn,
  rest: Uint8Array,
  head: RequestHead,
  hooks: { onStart(): Promise<void>; onEnd(): void },
): ReadableStream<Uint8Array> {
  const reader = new BodyReader(conn, rest);
  let started = false;
  let left = head.body.kind === "length" ? head.body.length : 0;
  let chunked = head.body.kind === "chunked";
  let inChunk = 0;
  const next = async (): Promise<Uint8Array | null> => {
    if (!started) {
      started = true;
      await hooks.onStart();
    }
    if (chunked) {
      if (inChunk === 0) {
        const size = /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(await reader.line());
        if (!size) throw new Error("malformed chunked body");
        inChunk = parseInt(size[1]!, 16);
        if (inChunk === 0) {
          while ((await reader.line()) !== ""); // trailers
          chunked = false;
          return null;
        }
      }
      const data = await reader.some(inChunk);
      inChunk -= data.length;
      if (inChunk === 0 && (await reader.line()) !== "") throw new Error("malformed chunked body");
      return data;
    }
    if (left === 0) return null;
    const data = await reader.some(left);
    left -= data.length;
    return data;
  };
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const data = await next();
        if (data === null) {
          hooks.onEnd();
          c.close();
        } else {
          c.enqueue(data.slice());
          if (left === 0 && !chunked) {
            hooks.onEnd();
            c.close();
          }
        }
      } catch (err) {
        c.error(err);
      }
    },
  }, { highWaterMark: 0 });
}

/** The web `Request` of `head`, with `body` when it has one. */
export function toRequest(head: RequestHead, body: ReadableStream<Uint8Array> | null): Request {
  const init: RequestInit & { duplex?: "half" } = { method: head.method, headers: head.headers };
  if (body && head.method !== "GET" && head.method !== "HEAD") {
    init.body = body;
    init.duplex = "half";
  }
  return new Request(`http://localhost${head.target.startsWith("/") ? head.target : "/"}`, init);
}

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Payload Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** The status line of `status` (`HTTP/1.1 200 OK`). */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}`;
}

/** The interim answer to `Expect: 100-continue`. */
export const CONTINUE: Uint8Array = encoder.encode(`${statusLine(100)}\r\n\r\n`);

/**
 * `response` as bytes on the wire: its status and headers, `Content-Length`,
 * `Connection: close`, and its body (none for `HEAD`).
 */
export async function encodeResponse(response: Response, method: string): Promise<Uint8Array> {
  const body = new Uint8Array(await response.arrayBuffer());
  let head = `${statusLine(response.status)}\r\n`;
  response.headers.forEach((v, k) => {
    if (k !== "content-length" && k !== "connection") head += `${k}: ${v}\r\n`;
  });
  head += `content-length: ${body.byteLength}\r\nconnection: close\r\n\r\n`;
  const bytes = encoder.encode(head);
  return method === "HEAD" ? bytes : concat(bytes, body);
}

/** Writes all of `bytes`. */
export async function writeAll(conn: ByteConn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}
