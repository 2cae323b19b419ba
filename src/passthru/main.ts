/**
 * Composition root of the `passthru` mode.
 *
 * @module
 */
import { pluginMain } from "../cni/skel.ts";
import { engineSkelChecks } from "../cni/skel_engine.ts";
import { processEnv } from "../platform/process.ts";
import { processStdio } from "../platform/stdio.ts";
import { PASSTHRU_VERSIONS, passthruFuncs } from "./plugin.ts";

/** Runs one passthru invocation; returns the exit code. */
export function runPassthru(): Promise<number> {
  return pluginMain(passthruFuncs, {
    about: "CNI passthru plugin (multus-deno)",
    supportedVersions: PASSTHRU_VERSIONS,
    env: processEnv,
    stdio: processStdio,
    checks: engineSkelChecks,
  });
}
