// deno-lint-ignore-file no-console
/**
 * The runtime tier's benchmark: RunPodSandbox wall time through Debian's containerd (CRI
 * over its socket, its own libcni calling the plugins), the pause image built locally, in
 * interleaved rounds on three nodes at once: no Multus (the cluster network's conflist
 * alone: the floor), thin (`dist/bin/multus`) and thick (`dist/bin/multus-shim` + the
 * daemon), each Multus mode with a pod on the cluster network only and a pod with three
 * bridge NADs more. Every sandbox is stopped and removed after its round (not timed).
 * Multus logs at `error`, as a node would.
 *
 * @module
 */
import { type CriNode, criNode } from "../../tests/support/cri_runtime.ts";
import {
  fmt,
  interleave,
  pairedOverhead,
  summarize,
  type Summary,
  SUMMARY_HEADER,
  summaryRow,
  table,
} from "./stats.ts";

/** What this suite reports. */
export interface RuntimeReport {
  runPodSandbox: Record<string, Summary>;
  /** Per-round median overhead over the no-Multus floor, ms. */
  overheadMedianMs: Record<string, number>;
}

const NADS = { blue: "10.245.0.0/24", green: "10.246.0.0/24", red: "10.247.0.0/24" };

/** Runs the suite. */
export async function benchRuntime(opts: { root: string; rounds: number }): Promise<RuntimeReport> {
  await using cluster = await criNode("cluster", { logLevel: "error" });
  await using thin = await criNode("thin", { logLevel: "error" });
  await using thick = await criNode("thick", { logLevel: "error" });
  for (const node of [thin, thick]) {
    for (const [name, subnet] of Object.entries(NADS)) node.nad(name, subnet);
  }
  let n = 0;
  const variant = (name: string, node: CriNode, networks?: string) => ({
    name,
    async run(): Promise<number> {
      const pod = node.pod(`bench-${n++}`, networks);
      const t = performance.now();
      const id = await node.run(pod);
      const ms = performance.now() - t;
      await node.remove(id);
      return ms;
    },
  });
  const samples = await interleave([
    variant("no Multus (cluster network)", cluster),
    variant("thin, cluster network only", thin),
    variant("thin, + 3 NADs", thin, "blue, green, red"),
    variant("thick, cluster network only", thick),
    variant("thick, + 3 NADs", thick, "blue, green, red"),
  ], { rounds: opts.rounds, warmup: 2 });
  const floor = samples["no Multus (cluster network)"]!;
  const report: RuntimeReport = { runPodSandbox: {}, overheadMedianMs: {} };
  const rows: string[][] = [];
  for (const [name, xs] of Object.entries(samples)) {
    const s = summarize(xs);
    report.runPodSandbox[name] = s;
    const over = pairedOverhead(xs, floor).median;
    if (xs !== floor) report.overheadMedianMs[name] = over;
    rows.push([...summaryRow(name, s), xs === floor ? "-" : fmt(over)]);
  }
  console.log(
    `\nRunPodSandbox through containerd ${
      (await cluster.cri.version()).runtimeVersion
    } (ms; ${opts.rounds} interleaved rounds)\n`,
  );
  console.log(table([...SUMMARY_HEADER, "over floor"], rows));
  return report;
}
