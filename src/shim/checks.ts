/**
 * The shim's skel checks: it forwards, so it only reads its config as JSON (it needs
 * `daemonSocketDir` and `cniVersion`) and leaves every other check to the daemon, which
 * runs the engine's on the same input and answers with the same CNI errors. The engine is
 * loaded only for VERSION and for a result the daemon did not already convert.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { SkelChecks } from "../cni/skel.ts";
import type * as Engine from "../engine/mod.ts";

/** Forwarding checks; `engine` loads the engine on first use. */
export function forwardingChecks(engine: () => Promise<typeof Engine>): SkelChecks {
  return {
    checkInput({ stdin }) {
      let config: unknown;
      try {
        config = JSON.parse(stdin);
      } catch (err) {
        throw new CniError(
          CniCode.DecodingFailure,
          `error unmarshall network config: ${err instanceof Error ? err.message : err}`,
        );
      }
      if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new CniError(
          CniCode.DecodingFailure,
          "error unmarshall network config: not an object",
        );
      }
      const c = config as Record<string, unknown>;
      const cniVersion = typeof c.cniVersion === "string" && c.cniVersion ? c.cniVersion : "0.1.0";
      return { cniVersion, config: c };
    },
    versionInfo: async (cniVersion) => (await engine()).versionInfo(cniVersion),
    convert: async (result, toVersion) => (await engine()).convertResult(result, toVersion),
  };
}
