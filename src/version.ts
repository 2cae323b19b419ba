/**
 * `multus --version`: the version, the git commit and the engine ABI version.
 *
 * @module
 */
import { BUILD_INFO } from "./_build_info.ts";
import { ENGINE_ABI_VERSION } from "./engine/mod.ts";
import { processStdio } from "./platform/stdio.ts";

/** The one-line version string, e.g. `multus: version:0.1.0, commit:abc, engine-abi:1, build:launcher`. */
export function versionLine(program: string): string {
  const dirty = BUILD_INFO.dirty ? "-dirty" : "";
  return `${program}: version:${BUILD_INFO.version}, commit:${BUILD_INFO.commit}${dirty}, ` +
    `engine-abi:${ENGINE_ABI_VERSION}, build:${BUILD_INFO.kind}`;
}

/** Prints {@linkcode versionLine} to stdout; returns the exit code. */
export function printVersion(program: string): number {
  processStdio.writeStdout(versionLine(program) + "\n");
  return 0;
}
