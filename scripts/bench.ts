// deno-lint-ignore-file no-console
/**
 * `deno task bench [suite...]`: the benchmarks, each printing a table; all results go to
 * `reports/bench.json`. Suites: `startup`, `thin`, `thick`. Builds `dist/` first.
 *
 * Flags: `--rounds N` (default 40).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "./build.ts";
import { benchStartup } from "./bench/startup.ts";
import { benchThin } from "./bench/thin.ts";
import { benchThick } from "./bench/thick.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const SUITES: Record<string, (opts: { root: string; rounds: number }) => Promise<unknown>> = {
  startup: benchStartup,
  thin: benchThin,
  thick: benchThick,
};

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { rounds: { type: "string", default: "40" } },
});
const chosen = positionals.length ? positionals : Object.keys(SUITES);
for (const name of chosen) {
  if (!SUITES[name]) {
    console.error(`bench: unknown suite "${name}"; known: ${Object.keys(SUITES).join(", ")}`);
    Deno.exit(2);
  }
}
await build();
const results: Record<string, unknown> = {};
for (const name of chosen) {
  results[name] = await SUITES[name]!({ root, rounds: Number(values.rounds) });
}
await Deno.mkdir(join(root, "reports"), { recursive: true });
const out = join(root, "reports/bench.json");
await Deno.writeTextFile(
  out,
  JSON.stringify(
    { at: new Date().toISOString(), machine: { cpus: navigator.hardwareConcurrency }, results },
    null,
    2,
  ),
);
console.log(`\nbench: wrote ${out}`);
