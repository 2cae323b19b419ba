// deno-lint-ignore-file no-console
/**
 * `deno task bench [suite...]`: the benchmarks, each printing a table; all results go to
 * `reports/bench.json`. Suites: `goals` (the per-pod and daemon memory goals side by side with
 * the floor in one table, `bench/goals.ts`), `artifact` (the packed file against the launcher: size,
 * first exec after install, per exec), `startup`, `thin`, `thick`, `informers` (the daemon's
 * informer caches alone, `tests/bench/informer_rss.ts`), `runtime` (RunPodSandbox through
 * containerd: no Multus, thin, thick), `soak` (ADD+DEL cycles of one pod through the thick
 * path: RSS, fds, links, leases and cache files at start and end). Builds `dist/` first.
 *
 * Flags: `--rounds N` (default 30); `--cycles N` (the soak's cycles, default 1000).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "./build.ts";
import { benchArtifact } from "./bench/artifact.ts";
import { benchStartup } from "./bench/startup.ts";
import { benchThin } from "./bench/thin.ts";
import { benchThick } from "./bench/thick.ts";
import { benchRuntime } from "./bench/runtime.ts";
import { benchSoak } from "./bench/soak.ts";
import { benchGoals } from "./bench/goals.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

async function benchInformers(): Promise<unknown> {
  const { measure } = await import("../tests/bench/informer_rss.ts");
  const results = await measure(["baseline", "untrimmed", "trimmed"]);
  console.log(
    "\nDaemon informer caches: 500 pods on this node (~11 KB each), 100 elsewhere, 100 NADs;" +
      " each mode in its own process with the daemon's V8 flags (MiB)\n",
  );
  console.log("mode        RSS  peak RSS  heap used");
  for (const [mode, r] of Object.entries(results)) {
    console.log(
      `${mode.padEnd(10)} ${String(r.rssMiB).padStart(4)} ${String(r.peakRssMiB).padStart(9)} ${
        String(r.heapUsedMiB).padStart(10)
      }`,
    );
  }
  return results;
}

const SUITES: Record<
  string,
  (opts: { root: string; rounds: number; cycles: number }) => Promise<unknown>
> = {
  goals: benchGoals,
  artifact: benchArtifact,
  startup: benchStartup,
  thin: benchThin,
  thick: benchThick,
  informers: benchInformers,
  runtime: benchRuntime,
  soak: benchSoak,
};

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "30" },
    cycles: { type: "string", default: "1000" },
  },
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
  results[name] = await SUITES[name]!({
    root,
    rounds: Number(values.rounds),
    cycles: Number(values.cycles),
  });
}
await Deno.mkdir(join(root, "reports"), { recursive: true });
const out = join(root, "reports/bench.json");
// A run of some suites keeps the other suites' last results.
try {
  const previous = JSON.parse(await Deno.readTextFile(out)) as {
    results?: Record<string, unknown>;
  };
  for (const [name, value] of Object.entries(previous.results ?? {})) {
    if (!(name in results)) results[name] = value;
  }
} catch {
  // no previous report
}
await Deno.writeTextFile(
  out,
  JSON.stringify(
    { at: new Date().toISOString(), machine: { cpus: navigator.hardwareConcurrency }, results },
    null,
    2,
  ),
);
console.log(`\nbench: wrote ${out}`);
