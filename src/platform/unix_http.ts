/**
 * A minimal HTTP/1.1 client over a unix socket, for the shim: one request per
 * connection (`Connection: close`, as Multus's shim and daemon use no keep-alive), the
 * body read to EOF, `Content-Length` and chunked bodies decoded. Connecting and parsing
 * cost far less than setting up `fetch` with a unix-socket HTTP client, and the shim runs
 * once per pod.
 *
 * @module
 */
import { afterMs } from "./clock.ts";

/** A response. */
export interface UnixHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Why a request failed before a whole response came. */
export class UnixHttpError extends Error {
  /**
   * `refused` (nobody listens), `missing` (no socket file), `timeout`, `closed` (the
   * server closed or reset the connection before its response was complete: it exited or
   * was killed), or `other`.
   */
  readonly kind: "refused" | "missing" | "timeout" | "closed" | "other";

  /** An error of `kind` with Go-like wording (`dial unix <path>: connect: ...`). */
  constructor(kind: UnixHttpError["kind"], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnixHttpError";
    this.kind = kind;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The connection ended before the response did. */
function cutShort(what: string): UnixHttpError {
  return new UnixHttpError("closed", `the server closed the connection ${what}`);
}

function parseResponse(raw: Uint8Array): UnixHttpResponse {
  if (raw.length === 0) throw cutShort("without answering");
  let headEnd = -1;
  for (let i = 0; i + 3 < raw.length; i++) {
    if (raw[i] === 13 && raw[i + 1] === 10 && raw[i + 2] === 13 && raw[i + 3] === 10) {
      headEnd = i;
      break;
    }
  }
  if (headEnd < 0) {
    throw cutShort(`after ${raw.length} bytes, before the end of the response headers`);
  }
  const head = decoder.decode(raw.subarray(0, headEnd)).split("\r\n");
  const status = Number(head[0]?.split(" ")[1]);
  if (!Number.isInteger(status)) throw new Error(`malformed HTTP status line: ${head[0]}`);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(headEnd + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const parts: Uint8Array[] = [];
    let off = 0;
    for (;;) {
      let eol = off;
      while (eol + 1 < body.length && !(body[eol] === 13 && body[eol + 1] === 10)) eol++;
      if (eol + 1 >= body.length) throw cutShort("in the middle of a chunked response body");
      const size = parseInt(decoder.decode(body.subarray(off, eol)), 16);
      if (!Number.isFinite(size) || size === 0) break;
      if (eol + 2 + size > body.length) {
        throw cutShort("in the middle of a chunked response body");
      }
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      off = eol + 2 + size + 2;
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    body = joined;
  } else if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (body.length < length) {
      throw cutShort(`after ${body.length} of the ${length} bytes of the response body`);
    }
    body = body.subarray(0, length);
  }
  return { status, headers, body: decoder.decode(body) };
}

/**
 * Sends one request to the HTTP server on the unix socket `socketPath`.
 *
 * @throws {UnixHttpError} when the socket cannot be reached or the answer does not come in time.
 */
export async function unixRequest(
  socketPath: string,
  req: { method: string; path: string; body?: string; timeoutMs?: number },
): Promise<UnixHttpResponse> {
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path: socketPath });
  } catch (err) {
    const what = err instanceof Deno.errors.NotFound
      ? ["missing", "no such file or directory"] as const
      : err instanceof Deno.errors.ConnectionRefused
      ? ["refused", "connection refused"] as const
      : ["other", err instanceof Error ? err.message : String(err)] as const;
    throw new UnixHttpError(what[0], `dial unix ${socketPath}: connect: ${what[1]}`, {
      cause: err,
    });
  }
  let timedOut = false;
  const cancelTimer = afterMs(req.timeoutMs ?? 120_000, () => {
    timedOut = true;
    try {
      conn.close();
    } catch {
      // already closed
    }
  });
  try {
    const body = encoder.encode(req.body ?? "");
    const head = `${req.method} ${req.path} HTTP/1.1\r\nHost: dummy\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const out = new Uint8Array(head.length + body.length);
    out.set(encoder.encode(head));
    out.set(body, head.length);
    let off = 0;
    while (off < out.length) off += await conn.write(out.subarray(off));
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      total += n;
    }
    const raw = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      raw.set(c, at);
      at += c.length;
    }
    return parseResponse(raw);
  } catch (err) {
    if (timedOut) {
      throw new UnixHttpError(
        "timeout",
        `${req.method} http://dummy${req.path}: no answer in time`,
        {
          cause: err,
        },
      );
    }
    const reset = err instanceof Deno.errors.ConnectionReset ||
      err instanceof Deno.errors.BrokenPipe;
    const message = err instanceof Error ? err.message : String(err);
    const why = err instanceof UnixHttpError
      ? err
      : reset
      ? cutShort(`(${message})`)
      : new UnixHttpError("other", message);
    throw new UnixHttpError(why.kind, `${req.method} http://dummy${req.path}: ${why.message}`, {
      cause: err,
    });
  } finally {
    cancelTimer();
    try {
      conn.close();
    } catch {
      // closed by the timer or the peer
    }
  }
}
