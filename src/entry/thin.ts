/**
 * Launcher entry of the thin plugin (`multus` run with no arguments, as kubelet does).
 * The launcher build runs this file instead of `main.ts` so that a per-pod exec loads
 * only this mode's modules: Deno loads every statically analysable `import()` target of
 * the entry's graph at start-up, and `main.ts` can reach every mode.
 *
 * @module
 */
import { runThinPlugin } from "../multus/main.ts";
import { programName } from "../platform/process.ts";

programName();
Deno.exit(await runThinPlugin());
