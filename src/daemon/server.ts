/**
 * Binding multus-daemon's handler: the CNI API on a unix socket (its directory deleted
 * and recreated with mode 0700 at start, the socket chmod 0600, as Multus), and the
 * Prometheus endpoint on `:<metricsPort>` when configured. The only daemon file that
 * touches `Deno.*`, and the only place the handler is bound.
 *
 * A connection carries one request (every answer says `Connection: close`, as Multus's
 * shim expects; nothing stays open idle) and must deliver it whole, headers and body,
 * within `requestTimeoutMs` of opening, or it is closed: half-sent requests do not hold
 * file descriptors. The clock stops once the request is in, so the work (a delegate may
 * take minutes) is never cut. At most `maxConnections` connections are open at once; one
 * beyond that gets the `busy` answer and is closed. `Deno.serve` cannot time out reads,
 * so connections are accepted with `node:net` and parsed by `node:http`'s server
 * (headers bounded at 16 KiB, else 431), with the bounds kept here.
 *
 * @module
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { createServer as createNetServer, type Server, type Socket } from "node:net";

/** A running listener. */
export interface Listening {
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** The bounds a listener keeps on its connections. */
export interface ServeOptions {
  /** Called with errors the handler throws (the client then gets a 500). */
  onError(err: unknown): void;
  /** Time allowed to receive one whole request (default 10 s). */
  requestTimeoutMs?: number;
  /** Connections open at once (default 1024). */
  maxConnections?: number;
  /** The answer to a connection beyond `maxConnections` (default: 503, text). */
  busy?(): Response;
}

/** The default of {@linkcode ServeOptions.requestTimeoutMs}: 10 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** The default of {@linkcode ServeOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** How long a connection refused or answered early may still send before it is closed. */
const LINGER_MS = 1_000;

type Handler = (req: Request) => Promise<Response>;

interface Connection {
  /** Closes the connection unless its request arrives in time. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** True while the handler works on its request. */
  working: boolean;
}

/**
 * Recreates `socketDir` (0700) and serves `handler` on `<socketDir>/multus.sock` (0600).
 *
 * @throws {Error} `failed to listen on pod info socket: ...` when it cannot.
 */
export async function serveUnixSocket(
  socketPath: string,
  handler: Handler,
  opts: ServeOptions,
): Promise<Listening> {
  const dir = socketPath.slice(0, socketPath.lastIndexOf("/")) || "/";
  try {
    await Deno.remove(dir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.chmod(dir, 0o700);
  } catch (err) {
    throw new Error(`failed to create the socket directory ${dir}: ${(err as Error).message}`);
  }
  const served = serve(handler, opts);
  try {
    await listen(served.server, (cb) => served.server.listen(socketPath, cb));
  } catch (err) {
    throw new Error(`failed to listen on pod info socket: ${(err as Error).message}`);
  }
  await Deno.chmod(socketPath, 0o600);
  return served.listening;
}

/** Serves `handler` on TCP `port` (all addresses), for Prometheus. */
export async function serveMetrics(
  port: number,
  handler: Handler,
  opts: ServeOptions,
): Promise<Listening> {
  const served = serve(handler, opts);
  await listen(served.server, (cb) => served.server.listen(port, "0.0.0.0", cb));
  return served.listening;
}

function listen(server: Server, start: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    start(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

function serve(handler: Handler, opts: ServeOptions): { server: Server; listening: Listening } {
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const busy = opts.busy ?? (() => new Response("too many connections\n", { status: 503 }));
  const connections = new Map<Socket, Connection>();
  let draining = false;
  const received = (conn: Connection) => {
    clearTimeout(conn.timer);
    conn.timer = undefined;
  };

  const http = createHttpServer({ requireHostHeader: false });
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const conn = connections.get(socket);
    if (!conn) return void socket.destroy();
    if (conn.working) return void req.resume(); // one request per connection: drop the rest
    conn.working = true;
    const bodyless = req.headers["transfer-encoding"] === undefined &&
      (req.headers["content-length"] ?? "0") === "0";
    if (bodyless) received(conn);
    else req.once("end", () => received(conn));
    res.once("finish", () => {
      if (conn.timer === undefined) return void socket.destroySoon();
      // Answered before the body was read (too large, or not wanted): what the client
      // still sends is dropped for a moment, so it can read the answer, then it closes.
      received(conn);
      req.resume();
      setTimeout(() => socket.destroy(), LINGER_MS);
    });
    handler(toRequest(req, bodyless))
      .catch((err) => {
        opts.onError(err);
        return new Response("internal error\n", { status: 500 });
      })
      .then((response) => send(res, response))
      .catch((err) => {
        opts.onError(err);
        socket.destroy();
      })
      .finally(() => conn.working = false);
  });
  http.on("clientError", (err: Error & { code?: string }, socket: Socket) => {
    const status = err.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    setTimeout(() => socket.destroy(), LINGER_MS);
  });

  const server = createNetServer((socket: Socket) => {
    socket.on("error", () => {});
    if (connections.size >= maxConnections || draining) return refuse(socket, busy());
    const conn: Connection = {
      timer: setTimeout(() => socket.destroy(), timeoutMs),
      working: false,
    };
    connections.set(socket, conn);
    socket.once("close", () => {
      received(conn);
      connections.delete(socket);
    });
    http.emit("connection", socket);
  });
  server.on("error", (err) => opts.onError(err));
  const finished = new Promise<void>((resolve) => server.once("close", () => resolve()));

  return {
    server,
    listening: {
      finished,
      shutdown() {
        draining = true;
        server.close();
        for (const [socket, conn] of connections) if (!conn.working) socket.destroy();
        return finished;
      },
    },
  };
}

/** The web `Request` of a node request; its body is pulled a chunk at a time. */
function toRequest(req: IncomingMessage, bodyless: boolean): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (!bodyless && method !== "GET" && method !== "HEAD") {
    let cancelled = false;
    init.body = new ReadableStream<Uint8Array>({
      start(c) {
        req.pause();
        req.on("data", (chunk: Uint8Array) => {
          if (cancelled) return;
          c.enqueue(chunk);
          if ((c.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => cancelled || c.close());
        req.once("close", () => {
          if (!req.complete && !cancelled) c.error(new Error("the client went away"));
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        // The answer still goes out; what the client still sends is dropped after it.
        cancelled = true;
      },
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    init.duplex = "half";
  }
  return new Request(`http://localhost${req.url ?? "/"}`, init);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => headers[k] = v);
  headers["content-length"] = String(body.byteLength);
  headers["connection"] = "close";
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Answers a connection beyond the bound with `response`, then closes it. */
function refuse(socket: Socket, response: Response): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once("close", () => clearTimeout(timer));
  response.text().then((body) => {
    const bytes = new TextEncoder().encode(body);
    const type = response.headers.get("content-type") ?? "text/plain; charset=utf-8";
    socket.end(
      `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? "Error"}\r\n` +
        `Content-Type: ${type}\r\nContent-Length: ${bytes.byteLength}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }, () => socket.destroy());
}
