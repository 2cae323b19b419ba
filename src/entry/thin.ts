/**
 * Launcher entry of the thin plugin (`multus` run with no arguments, as kubelet does).
 * The launcher build runs this file instead of `main.ts` so that a per-pod exec loads
 * only this mode's modules: Deno loads every statically analysable `import()` target of
 * the entry's graph at start-up, and `main.ts` can reach every mode.
 *
 * An ADD that will read the pod over HTTPS starts the TLS stack's one-time set-up before
 * anything else and loads the plugin's modules while that runs on another core.
 *
 * @module
 */
import { importLazily } from "../platform/lazy_import.ts";
import { processStdio } from "../platform/stdio.ts";
import { warmUpTlsEntropy, willUseKubernetes } from "../platform/tls_warmup.ts";

if (willUseKubernetes(Deno.env.get("CNI_COMMAND"), processStdio, Deno.env.toObject())) {
  warmUpTlsEntropy();
}
const { runThinPlugin } = await importLazily<typeof import("../multus/main.ts")>(
  new URL("../multus/main.ts", import.meta.url),
);
const { programName } = await import("../platform/process.ts");
programName();
Deno.exit(await runThinPlugin());
