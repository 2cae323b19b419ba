/**
 * Composition root of the `multus-shim` mode.
 *
 * @module
 */
import { pluginMain } from "../cni/skel.ts";
import { netnsGuard, OWN_NETNS } from "../cni/netns.ts";
import { netnsIdentity } from "../platform/netns.ts";
import { MultusLogger } from "../platform/log.ts";
import { processEnv } from "../platform/process.ts";
import { processStdio } from "../platform/stdio.ts";
import { unixRequest } from "../platform/unix_http.ts";
import { BUILD_INFO } from "../_build_info.ts";
import type * as Engine from "../engine/mod.ts";
import type { CmdArgs } from "../cni/skel.ts";
import type { Logger } from "../platform/log.ts";
import { importLazily } from "../platform/lazy_import.ts";
import { forwardingChecks } from "./checks.ts";
import { shimFuncs } from "./shim.ts";

// The shim's per-pod exec must not pay for the engine unless it needs it (VERSION, or a
// result to convert): see importLazily.
const engine = (): Promise<typeof Engine> =>
  importLazily<typeof Engine>(new URL("../engine/mod.ts", import.meta.url));

/** Options of {@linkcode runShim}. */
export interface RunShimOptions {
  /** Runs DEL on the node when the daemon does not answer (see `multus/local_del.ts`). */
  localDel?(args: CmdArgs, logger: Logger): Promise<void>;
}

/** Runs one shim invocation; returns the exit code. */
export function runShim(opts: RunShimOptions = {}): Promise<number> {
  const logger = new MultusLogger({ level: "panic", toStderr: false });
  return pluginMain(
    shimFuncs({
      request: unixRequest,
      logger,
      configureLogging: (conf) =>
        logger.configure({
          toStderr: conf.logToStderr,
          ...(conf.logLevel ? { level: conf.logLevel as "debug" } : {}),
          ...(conf.logFile ? { file: conf.logFile } : {}),
        }),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      ...(opts.localDel ? { localDel: (args: CmdArgs) => opts.localDel!(args, logger) } : {}),
    }),
    {
      about: `multus-deno shim version:${BUILD_INFO.version} commit:${BUILD_INFO.commit}`,
      env: processEnv,
      stdio: processStdio,
      checks: forwardingChecks(engine),
      // Refused here, before the daemon is asked: the daemon checks again (its namespace
      // and the host's), for shims that do not.
      checkNetns: netnsGuard({ identify: netnsIdentity, references: [OWN_NETNS] }),
    },
  );
}
