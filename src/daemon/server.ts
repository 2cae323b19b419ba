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
 * so connections are accepted with `Deno.listen` and read by `http1.ts` (headers bounded
 * at 16 KiB, else 431), with the bounds kept here; no Node.js module is loaded.
 *
 * @module
 */
import {
  bodyStream,
  CONTINUE,
  encodeResponse,
  HttpHeadError,
  readHead,
  toRequest,
  writeAll,
} from "./http1.ts";

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
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ transport: "unix", path: socketPath });
  } catch (err) {
    throw new Error(`failed to listen on pod info socket: ${(err as Error).message}`);
  }
  await Deno.chmod(socketPath, 0o600);
  return serve(listener, handler, opts);
}

/** Serves `handler` on TCP `port` (all addresses), for Prometheus. */
export function serveMetrics(
  port: number,
  handler: Handler,
  opts: ServeOptions,
): Promise<Listening> {
  try {
    return Promise.resolve(serve(Deno.listen({ port, hostname: "0.0.0.0" }), handler, opts));
  } catch (err) {
    return Promise.reject(err);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** Reads and drops what `conn` still sends, for at most `LINGER_MS`, then closes it. */
async function linger(conn: Deno.Conn): Promise<void> {
  const timer = setTimeout(() => closeQuietly(conn), LINGER_MS);
  const sink = new Uint8Array(64 * 1024);
  try {
    while ((await conn.read(sink)) !== null);
  } catch {
    // closed by the timer, or reset
  } finally {
    clearTimeout(timer);
    closeQuietly(conn);
  }
}

function serve(listener: Deno.Listener, handler: Handler, opts: ServeOptions): Listening {
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const busy = opts.busy ?? (() => new Response("too many connections\n", { status: 503 }));
  const connections = new Map<Deno.Conn, Connection>();
  let draining = false;
  let accepting = true;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => done = resolve);
  const settle = () => {
    if (!accepting && connections.size === 0) done();
  };

  async function refuse(conn: Deno.Conn): Promise<void> {
    try {
      await writeAll(conn, await encodeResponse(busy(), "GET"));
      await conn.closeWrite();
    } catch {
      // the client went away
    }
    await linger(conn);
  }

  async function exchange(conn: Deno.Conn, state: Connection): Promise<void> {
    let complete = false;
    const received = () => {
      complete = true;
      clearTimeout(state.timer);
      state.timer = undefined;
    };
    let method = "GET";
    let response: Response;
    try {
      const got = await readHead(conn);
      if (got === null) return;
      const { head, rest } = got;
      method = head.method;
      state.working = true;
      let body = null;
      if (head.body.kind === "none") received();
      else {
        body = bodyStream(conn, rest, head, {
          onStart: () => head.expectContinue ? writeAll(conn, CONTINUE) : Promise.resolve(),
          onEnd: received,
        });
      }
      response = await handler(toRequest(head, body)).catch((err) => {
        opts.onError(err);
        return new Response("internal error\n", { status: 500 });
      });
    } catch (err) {
      if (!(err instanceof HttpHeadError)) return; // closed by the timer, or reset
      response = new Response(null, { status: err.status });
    }
    try {
      const bytes = await encodeResponse(response, method);
      await writeAll(conn, bytes);
    } catch (err) {
      opts.onError(err);
      return;
    }
    if (!complete) {
      // Answered before the body was read (too large, or not wanted): what the client
      // still sends is dropped for a moment, so it can read the answer, then it closes.
      received();
      await conn.closeWrite().catch(() => {});
      await linger(conn);
    }
  }

  async function handle(conn: Deno.Conn): Promise<void> {
    if (connections.size >= maxConnections || draining) return await refuse(conn);
    const state: Connection = {
      timer: setTimeout(() => closeQuietly(conn), timeoutMs),
      working: false,
    };
    connections.set(conn, state);
    try {
      await exchange(conn, state);
    } finally {
      clearTimeout(state.timer);
      closeQuietly(conn);
      connections.delete(conn);
      settle();
    }
  }

  (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (draining || err instanceof Deno.errors.BadResource) break;
        opts.onError(err);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      handle(conn).catch((err) => opts.onError(err));
    }
    accepting = false;
    settle();
  })();

  return {
    finished,
    shutdown() {
      draining = true;
      try {
        listener.close();
      } catch {
        // already closed
      }
      for (const [conn, state] of connections) if (!state.working) closeQuietly(conn);
      return finished;
    },
  };
}
