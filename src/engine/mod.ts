/**
 * Typed functions over the engine's operations. Callers never see JSON envelopes or
 * pointers; every failure is a {@linkcode CniError} with the engine's CNI code.
 *
 * @module
 */
import { callEngine } from "./abi.ts";

export { ENGINE_ABI_VERSION } from "./abi.ts";

/** The answer to CNI VERSION. */
export interface VersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}

/**
 * The VERSION answer: echoes `cniVersion` when supported, else the newest version.
 *
 * @example Usage
 * ```ts
 * import { versionInfo } from "./mod.ts";
 * console.assert(versionInfo("1.0.0").supportedVersions.includes("1.1.0"));
 * ```
 */
export function versionInfo(cniVersion?: string): VersionInfo {
  return callEngine("version_info", cniVersion ? { cniVersion } : {}) as VersionInfo;
}
