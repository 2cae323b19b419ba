/**
 * The skel's decisions made by the engine (every plugin but the forwarding shim).
 *
 * @module
 */
import type { SkelChecks } from "./skel.ts";
import { checkSkelInput, convertResult, versionInfo } from "../engine/mod.ts";

/** {@linkcode SkelChecks} over the engine. */
export const engineSkelChecks: SkelChecks = {
  checkInput: (input) => checkSkelInput(input),
  versionInfo: (cniVersion) => versionInfo(cniVersion),
  convert: (result, toVersion) => convertResult(result, toVersion),
};
