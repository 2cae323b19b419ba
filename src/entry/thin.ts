/**
 * Launcher entry of the thin plugin (`multus` run with no arguments, as kubelet does).
 * The launcher build runs this file instead of `main.ts` so that a per-pod exec loads
 * only this mode's modules: Deno loads every statically analysable `import()` target of
 * the entry's graph at start-up, and `main.ts` can reach every mode.
 *
 * An ADD reads the pod over HTTPS, so it starts the TLS stack's one-time set-up before
 * anything else and loads the plugin's modules while that runs on another core.
 *
 * @module
 */
import { importLazily } from "../platform/lazy_import.ts";
import { warmUpTlsEntropy } from "../platform/tls_warmup.ts";

if (Deno.env.get("CNI_COMMAND") === "ADD") warmUpTlsEntropy();
const { runThinPlugin } = await importLazily<typeof import("../multus/main.ts")>(
  new URL("../multus/main.ts", import.meta.url),
);
const { programName } = await import("../platform/process.ts");
programName();
Deno.exit(await runThinPlugin());
