/**
 * Launcher entry of `passthru` (see `thin.ts` for why entries exist).
 *
 * @module
 */
import { runPassthru } from "../passthru/main.ts";
import { programName } from "../platform/process.ts";

programName();
Deno.exit(await runPassthru());
