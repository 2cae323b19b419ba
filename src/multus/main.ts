/**
 * Composition root of the thin plugin (`multus`): every effect wired to the real
 * process, file system and API; Kubernetes access built per the config's `kubeconfig`.
 *
 * @module
 */
import { pluginMain } from "../cni/skel.ts";
import { engineSkelChecks } from "../cni/skel_engine.ts";
import { denoSyncFs } from "../platform/fs.ts";
import { importLazily } from "../platform/lazy_import.ts";
import { MultusLogger } from "../platform/log.ts";
import { netnsIdentity } from "../platform/netns.ts";
import { netnsGuard, OWN_NETNS } from "../cni/netns.ts";
import { processEnv } from "../platform/process.ts";
import { processStdio } from "../platform/stdio.ts";
import { BUILD_INFO } from "../_build_info.ts";
import type { MultusDeps } from "./deps.ts";
import { nodeDeps } from "./node_deps.ts";
import { multusFuncs } from "./plugin.ts";

/**
 * The thin plugin's dependencies over the real world. Files are read and written with
 * Deno's synchronous calls: the process serves one CNI call, and each asynchronous file
 * operation would cost a round trip through Deno's thread pool.
 */
export function thinDeps(logger: MultusLogger): MultusDeps {
  return {
    ...nodeDeps(logger, async ({ kubeconfig }) => {
      const { thinKubeAccess } = await importLazily<typeof import("./thin_kube.ts")>(
        new URL("./thin_kube.ts", import.meta.url),
      );
      return thinKubeAccess(kubeconfig, logger);
    }, { fs: denoSyncFs }),
    configureLogging: (conf) =>
      logger.configure({
        toStderr: conf.logToStderr,
        ...(conf.logLevel ? { level: conf.logLevel as "debug" } : {}),
        ...(conf.logFile ? { file: conf.logFile } : {}),
        ...(conf.logOptions ? { options: conf.logOptions } : {}),
      }),
  };
}

/** Runs one thin-plugin invocation; returns the exit code. */
export function runThinPlugin(): Promise<number> {
  const logger = new MultusLogger({ level: "panic", toStderr: true });
  return pluginMain(multusFuncs(thinDeps(logger)), {
    about: `multus-deno thin plugin version:${BUILD_INFO.version} commit:${BUILD_INFO.commit}`,
    env: processEnv,
    stdio: processStdio,
    checks: engineSkelChecks,
    checkNetns: netnsGuard({ identify: netnsIdentity, references: [OWN_NETNS] }),
  });
}
