/**
 * The thick plugin's client (`multus-shim`): forwards the whole CNI invocation (its
 * environment and stdin) to multus-daemon over the daemon's unix socket as Multus does
 * (`POST /cni` with `{"env": ..., "config": "<base64 stdin>"}`) and prints the answer.
 *
 * Every command posts its request at once: a round trip before it would be paid on every
 * pod. ADD, CHECK, GC and STATUS wait for `/readyz` (polled every 100 ms, bounded by
 * `daemonReadyTimeoutSeconds`) only when that post finds no daemon listening or the daemon
 * answers that it is not ready (503 while it shuts down), then post again; Go Multus's shim
 * asks `/readyz` first every time. DEL never waits for a daemon that does not answer
 * (gone, restarting, stopped): when nobody listens, or when its answer is slow and a
 * `/healthz` probe (2 s) then gets no answer either, it runs the DEL itself on the node from
 * the node's caches (`local_del.ts`), so no lease or cache entry is left behind (Go
 * Multus's shim returns success without deleting anything). A DEL so abandoned may still
 * run in a daemon that wakes up later: DEL is idempotent, and the daemon serialises it with
 * the pod's other calls. A delegate's DEL failure, reported by the daemon or
 * met locally, reaches the runtime (Go Multus's shim always exits 0 on DEL). The result is printed in the shim
 * config's `cniVersion` (the daemon sends it converted; otherwise the skel converts).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { CmdArgs, PluginFuncs } from "../cni/skel.ts";
import type { CniResult } from "../cni/types.ts";
import type { Logger } from "../platform/log.ts";
import { afterMs } from "../platform/clock.ts";
import { UnixHttpError, type UnixHttpResponse } from "../platform/unix_http.ts";

/** The keys of the shim's CNI config it reads itself. */
export interface ShimConf {
  cniVersion: string;
  socketPath: string;
  logFile: string;
  logLevel: string;
  logToStderr: boolean;
  /** How long ADD/CHECK/GC/STATUS wait for the daemon (`daemonReadyTimeoutSeconds`, ours; default 60). */
  readyTimeoutMs: number;
}

/** The shim's effects. */
export interface ShimDeps {
  request(
    socketPath: string,
    req: { method: string; path: string; body?: string; timeoutMs?: number },
  ): Promise<UnixHttpResponse>;
  logger: Logger;
  configureLogging?(conf: ShimConf): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Overrides the config's readiness bound (tests). */
  readyTimeoutMs?: number;
  /** How long a CNI request may take (default 5 minutes). */
  requestTimeoutMs?: number;
  /**
   * How long a DEL waits for the daemon's answer before it probes `/healthz` (default
   * {@linkcode DEL_PROBE_AFTER_MS}).
   */
  delProbeAfterMs?: number;
  /**
   * Calls `fn` after `ms` unless cancelled (default `afterMs` of `platform/clock.ts`, which
   * spares the per-pod exec the cost of a process's first `setTimeout`).
   */
  afterMs?(ms: number, fn: () => void): () => void;
  /**
   * Runs DEL on the node when the daemon does not answer (the real one loads
   * `local_del.ts`); absent, such a DEL is skipped with an error logged.
   */
  localDel?(args: CmdArgs): Promise<void>;
}

const DEFAULT_SOCKET_DIR = "/run/multus/";

/**
 * How long a DEL's answer may take before the shim asks `/healthz` whether the daemon is
 * alive: a pod's DEL usually answers in about 100 ms, so the probe costs nothing then.
 */
export const DEL_PROBE_AFTER_MS = 500;

/** The daemon's answer to a command other than DEL while it is not ready (shutting down). */
export const NOT_READY_STATUS = 503;

/** The shim's config keys (Multus `ShimNetConf`). */
export function shimConf(args: CmdArgs): ShimConf {
  const c = args.config;
  const dir = typeof c.daemonSocketDir === "string" && c.daemonSocketDir !== ""
    ? c.daemonSocketDir
    : DEFAULT_SOCKET_DIR;
  return {
    cniVersion: args.cniVersion,
    socketPath: `${dir.replace(/\/+$/, "")}/multus.sock`,
    logFile: typeof c.logFile === "string" ? c.logFile : "",
    logLevel: typeof c.logLevel === "string" ? c.logLevel : "",
    logToStderr: c.logToStderr === true,
    readyTimeoutMs:
      typeof c.daemonReadyTimeoutSeconds === "number" && c.daemonReadyTimeoutSeconds > 0
        ? c.daemonReadyTimeoutSeconds * 1000
        : 60_000,
  };
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Standard base64 of `text`'s UTF-8 bytes. Hand-written because a process's first `btoa`
 * costs Deno about 1.3 ms, paid on every pod's shim exec.
 */
export function base64(text: string): string {
  const b = new TextEncoder().encode(text);
  const out: string[] = [];
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out.push(B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!);
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    out.push(B64[n >> 18]! + B64[(n >> 12) & 63]! + "==");
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    out.push(B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + "=");
  }
  return out.join("");
}

/** The body of `POST /cni` for the invocation `args` (Multus's `{"env", "config"}`). */
function requestBody(args: CmdArgs): string {
  return JSON.stringify({ env: args.env, config: base64(args.stdinText) });
}

async function waitReady(conf: ShimConf, deps: ShimDeps): Promise<void> {
  const bound = deps.readyTimeoutMs ?? conf.readyTimeoutMs;
  const deadline = deps.now() + bound;
  let last = "";
  for (;;) {
    try {
      const res = await deps.request(conf.socketPath, {
        method: "GET",
        path: "/readyz",
        timeoutMs: 5_000,
      });
      if (res.status === 200) return;
      last = `/readyz answered ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (deps.now() >= deadline) {
      throw new CniError(
        CniCode.TryAgainLater,
        `multus-daemon is not ready at ${conf.socketPath} after ${bound / 1000} s: ${last}`,
      );
    }
    await deps.sleep(100);
  }
}

/** Sends the invocation; a failure to send or to read the answer is CNI error 11. */
async function send(conf: ShimConf, deps: ShimDeps, body: string): Promise<UnixHttpResponse> {
  try {
    return await deps.request(conf.socketPath, {
      method: "POST",
      path: "/cni",
      body,
      timeoutMs: deps.requestTimeoutMs ?? 300_000,
    });
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^POST http:\/\/dummy\/cni: /, "") : err;
    // Ours: Go's shim reports the HTTP client's `unexpected EOF`.
    const gone = err instanceof UnixHttpError && err.kind === "closed"
      ? `multus-daemon went away before it answered (${why}); it exited or was killed`
      : why;
    throw new CniError(
      CniCode.TryAgainLater,
      `failed to send CNI request: Post "http://dummy/cni": ${gone}`,
      { cause: err },
    );
  }
}

/** Nobody listens on the socket (yet): the connection itself was refused or has no socket. */
function nobodyListens(err: unknown): boolean {
  const cause = err instanceof CniError ? err.cause : err;
  return cause instanceof UnixHttpError && (cause.kind === "missing" || cause.kind === "refused");
}

/** The body of a 200, or the daemon's CNI error thrown. */
function answer(res: UnixHttpResponse): string {
  if (res.status === 200) return res.body;
  let wire: { code?: unknown; msg?: unknown; details?: unknown } = {};
  try {
    wire = JSON.parse(res.body);
  } catch {
    // not a CNI error body
  }
  if (typeof wire.msg === "string" && wire.msg !== "") {
    throw new CniError(
      typeof wire.code === "number" ? wire.code : CniCode.Internal,
      wire.msg,
      typeof wire.details === "string" && wire.details ? { details: wire.details } : {},
    );
  }
  throw new CniError(
    CniCode.Internal,
    `CNI request failed with status ${res.status}: '${res.body.trim()}'`,
  );
}

/**
 * Posts the invocation; when nobody listens or the daemon is not ready, waits for
 * `/readyz` and posts once more. Returns the response body (throws the daemon's CNI error).
 */
async function postWhenReady(args: CmdArgs, conf: ShimConf, deps: ShimDeps): Promise<string> {
  const body = requestBody(args);
  try {
    const res = await send(conf, deps, body);
    if (res.status !== NOT_READY_STATUS) return answer(res);
  } catch (err) {
    if (!nobodyListens(err)) throw err;
  }
  await waitReady(conf, deps);
  return answer(await send(conf, deps, body));
}

/** Whether `/healthz` answers 200 within 2 s; the reason when it does not. */
async function healthy(conf: ShimConf, deps: ShimDeps): Promise<string | null> {
  try {
    const health = await deps.request(conf.socketPath, {
      method: "GET",
      path: "/healthz",
      timeoutMs: 2_000,
    });
    return health.status === 200 ? null : `/healthz answered ${health.status}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The shim's CNI commands. */
export function shimFuncs(deps: ShimDeps): PluginFuncs {
  const prepare = (args: CmdArgs): ShimConf => {
    const conf = shimConf(args);
    deps.configureLogging?.(conf);
    return conf;
  };
  const waitThenPost = async (args: CmdArgs, what: string): Promise<string> => {
    const conf = prepare(args);
    try {
      return await postWhenReady(args, conf, deps);
    } catch (err) {
      throw CniError.from(err).withPrefix(`${what} (shim): `);
    }
  };
  return {
    async add(args): Promise<CniResult> {
      const body = await waitThenPost(args, "CmdAdd");
      let response: { Result?: CniResult; ConfigVersionResult?: CniResult };
      try {
        response = JSON.parse(body);
      } catch (err) {
        throw new CniError(
          CniCode.DecodingFailure,
          `CmdAdd (shim): failed to unmarshal response '${body}': ${err}`,
        );
      }
      // Our daemon also sends the result in this config's version; Go Multus's daemon
      // sends 1.0.0 only, which the skel converts.
      const converted = response.ConfigVersionResult;
      const result = converted?.cniVersion === args.cniVersion ? converted : response.Result;
      if (!result) {
        throw new CniError(CniCode.DecodingFailure, `CmdAdd (shim): no Result in '${body}'`);
      }
      deps.logger.verbose(`CmdAdd (shim): ${JSON.stringify(result)}`);
      return result;
    },
    async check(args): Promise<void> {
      await waitThenPost(args, "CmdCheck");
    },
    async gc(args): Promise<void> {
      await waitThenPost(args, "CmdGC");
    },
    async status(args): Promise<void> {
      await waitThenPost(args, "CmdStatus");
    },
    async del(args): Promise<void> {
      const conf = prepare(args);
      // The daemon does not answer: the sandbox must still be torn down, and its
      // attachments released now, since no later call will name them again.
      const withoutDaemon = async (why: string): Promise<void> => {
        if (!deps.localDel) {
          deps.logger.error(`CmdDel (shim): ${why}; DEL skipped`);
          return;
        }
        deps.logger.error(`CmdDel (shim): ${why}; running DEL on the node`);
        try {
          await deps.localDel(args);
        } catch (err) {
          throw CniError.from(err).withPrefix("CmdDel (shim): ");
        }
      };
      const body = requestBody(args);
      const sent = send(conf, deps, body);
      // A daemon that accepted the connection but does not answer (stopped, hung) is found
      // by a /healthz probe, made only when the answer is slow.
      let cancelProbe = (): void => {};
      const unanswered = new Promise<{ unhealthy: string }>((resolve) => {
        cancelProbe = (deps.afterMs ?? afterMs)(deps.delProbeAfterMs ?? DEL_PROBE_AFTER_MS, () => {
          healthy(conf, deps).then((why) => {
            if (why !== null) resolve({ unhealthy: why });
          });
        });
      });
      sent.then(cancelProbe, cancelProbe);
      let res: UnixHttpResponse | { unhealthy: string };
      try {
        res = await Promise.race([sent, unanswered]);
      } catch (err) {
        const e = CniError.from(err);
        if (nobodyListens(err)) {
          return await withoutDaemon(
            `CheckAPIReadyNow: Daemon not reachable over socketfile: ${
              e.message.replace(/^failed to send CNI request: Post "http:\/\/dummy\/cni": /, "")
            }`,
          );
        }
        if (e.message.startsWith("failed to send CNI request")) {
          return await withoutDaemon(e.message);
        }
        throw e.withPrefix("CmdDel (shim): ");
      }
      if ("unhealthy" in res) {
        // Abandoned: its connection closes when the process exits.
        sent.catch(() => {});
        return await withoutDaemon(
          `CheckAPIReadyNow: Daemon not reachable over socketfile: ${res.unhealthy}`,
        );
      }
      try {
        answer(res);
      } catch (err) {
        throw CniError.from(err).withPrefix("CmdDel (shim): ");
      }
    },
  };
}
