/**
 * Binding multus-daemon's handler: the CNI API on a unix socket (its directory deleted
 * and recreated with mode 0700 at start, the socket chmod 0600, as Multus), and the
 * Prometheus endpoint on `:<metricsPort>` when configured. The only daemon file that
 * touches `Deno.*`.
 *
 * @module
 */

/** A running listener. */
export interface Listening {
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/**
 * Recreates `socketDir` (0700) and serves `handler` on `<socketDir>/multus.sock` (0600).
 *
 * @throws {Error} `failed to listen on pod info socket: ...` when it cannot.
 */
export async function serveUnixSocket(
  socketPath: string,
  handler: (req: Request) => Promise<Response>,
  onError: (err: unknown) => void,
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
  let server: Deno.HttpServer<Deno.UnixAddr>;
  try {
    server = Deno.serve({
      path: socketPath,
      onListen: () => {},
      onError: (err) => {
        onError(err);
        return new Response("internal error\n", { status: 500 });
      },
    }, handler);
  } catch (err) {
    throw new Error(`failed to listen on pod info socket: ${(err as Error).message}`);
  }
  await Deno.chmod(socketPath, 0o600);
  return { shutdown: () => server.shutdown(), finished: server.finished };
}

/** Serves `handler` on TCP `port` (all addresses), for Prometheus. */
export function serveMetrics(
  port: number,
  handler: (req: Request) => Promise<Response>,
): Listening {
  const server = Deno.serve({ port, hostname: "0.0.0.0", onListen: () => {} }, handler);
  return { shutdown: () => server.shutdown(), finished: server.finished };
}
