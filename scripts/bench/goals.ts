// deno-lint-ignore-file no-console
/**
 * The per-pod goals in one run, side by side with the floor (issue: per-pod latency and
 * daemon memory). Each round creates a pod with the cluster network plus three NADs
 * (`pod_networks.ts`, the pods realistic objects) and runs, in turn, the floor (the four
 * delegates exec'd directly), thin `dist/bin/multus` and thick `dist/bin/multus-shim` +
 * the daemon, ADD then DEL, each in fresh namespaces, Multus logging at `error` as a node
 * would. Overheads are medians of per-round differences against the same round's floor;
 * CPU is the exec'd process tree's (`getrusage` of reaped children; thick adds the
 * daemon's own, in 10 ms ticks, so its mean is shown). Then the burst (`burst.ts`).
 *
 * @module
 */
import { daemonEnv } from "../../tests/support/daemon_env.ts";
import { burst, type BurstResult, loadNode, memory } from "./burst.ts";
import { benchRealisticPod } from "./burst.ts";
import { processTreeCpuMs, withChildrenCpu } from "./cpu.ts";
import { floor, setUpNetworks } from "./pod_networks.ts";
import { fmt, pairedOverhead, percentile, table } from "./stats.ts";

/** One goal row. */
export interface GoalRow {
  name: string;
  /** The floor's median, or undefined when the row has no floor. */
  floor?: number;
  thin?: number;
  thick?: number;
  /** The figure the goal bounds. */
  value: number;
  goal: string;
  met: boolean;
}

/** What this suite reports. */
export interface GoalsReport {
  rounds: number;
  samples: Record<string, number[]>;
  rows: GoalRow[];
  rssMiB: { started: number; idle: number; afterRounds: number };
  burst: BurstResult;
}

const med = (xs: number[]): number => percentile(xs, 50);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Runs the suite. */
export async function benchGoals(opts: { root: string; rounds: number }): Promise<GoalsReport> {
  await using env = await daemonEnv({ config: { connectionLimit: 16, logLevel: "error" } });
  const pid = env.daemon.pid;
  const started = (await memory(pid)).rss;
  const delegates = await setUpNetworks(env);
  const thinConf = env.conf({ logLevel: "error" });
  loadNode(env);
  await new Promise((r) => setTimeout(r, 3000)); // informers list and settle
  const idle = (await memory(pid)).rss;
  const s: Record<string, number[]> = {};
  const push = (k: string, v: number) => (s[k] ??= []).push(v);
  const warmup = 3;
  for (let i = 0; i < warmup + opts.rounds; i++) {
    const keep = i >= warmup;
    const thinPod = benchRealisticPod(env, i, `thin-${i}`);
    const thickPod = benchRealisticPod(env, i, `thick-${i}`);
    const [nsF, nsThin, nsThick] = [
      await env.extraNetns(),
      await env.extraNetns(),
      await env.extraNetns(),
    ];
    await new Promise((r) => setTimeout(r, 20)); // the informer sees the new pods
    const check = (what: string, r: { code: number; stdout: string; stderr: string }) => {
      if (r.code !== 0) throw new Error(`${what} failed: ${r.stdout}${r.stderr}`);
    };
    for (const command of ["ADD", "DEL"] as const) {
      const f = await withChildrenCpu(() =>
        floor(delegates, command, { containerId: `floor-${i}`, netns: nsF.path })
      );
      const thin = await withChildrenCpu(async () =>
        check(
          `thin ${command}`,
          await env.cni({
            command,
            pod: thinPod,
            containerId: `thin-${i}`,
            netns: nsThin.path,
            conf: thinConf,
          }),
        )
      );
      const d0 = await processTreeCpuMs(pid);
      const thick = await withChildrenCpu(async () =>
        check(
          `thick ${command}`,
          await env.shim({
            command,
            pod: thickPod,
            containerId: `thick-${i}`,
            netns: nsThick.path,
          }),
        )
      );
      const daemonCpu = (await processTreeCpuMs(pid)) - d0;
      if (!keep) continue;
      push(`floor ${command}`, f.wallMs);
      push(`thin ${command}`, thin.wallMs);
      push(`thick ${command}`, thick.wallMs);
      if (command === "ADD") {
        push("floor CPU", f.cpuMs);
        push("thin CPU", thin.cpuMs);
        push("shim CPU", thick.cpuMs);
        push("thick CPU", thick.cpuMs + daemonCpu);
      }
    }
    for (const ns of [nsF, nsThin, nsThick]) await ns.remove();
  }
  const afterRounds = (await memory(pid)).rss;
  const b = await burst(env, pid, 100);

  const over = (k: string, f: string) => pairedOverhead(s[k]!, s[f]!).median;
  const rows: GoalRow[] = [];
  const row = (r: GoalRow) => rows.push(r);
  for (const command of ["ADD", "DEL"] as const) {
    const fl = med(s[`floor ${command}`]!);
    const thick = over(`thick ${command}`, `floor ${command}`);
    const limit = command === "ADD" ? 25 : 15;
    row({
      name: `thick ${command} over floor`,
      floor: fl,
      thick: med(s[`thick ${command}`]!),
      value: thick,
      goal: `<= +${limit} ms`,
      met: thick <= limit,
    });
  }
  const shim = med(s["shim CPU"]!);
  row({
    name: "shim CPU per ADD",
    floor: med(s["floor CPU"]!),
    thick: mean(s["thick CPU"]!),
    value: shim,
    goal: "<= 20 ms",
    met: shim <= 20,
  });
  for (const command of ["ADD", "DEL"] as const) {
    const thin = over(`thin ${command}`, `floor ${command}`);
    const limit = command === "ADD" ? 60 : 25;
    row({
      name: `thin ${command} over floor`,
      floor: med(s[`floor ${command}`]!),
      thin: med(s[`thin ${command}`]!),
      value: thin,
      goal: `<= +${limit} ms`,
      met: thin <= limit,
    });
  }
  const thinCpu = med(s["thin CPU"]!);
  row({
    name: "CPU per thin ADD (tree)",
    floor: med(s["floor CPU"]!),
    thin: thinCpu,
    value: thinCpu,
    goal: "<= 100 ms",
    met: thinCpu <= 100,
  });
  row({ name: "daemon RSS idle, MiB", value: idle, goal: "<= 60", met: idle <= 60 });
  const burstOk = b.addFailures === 0 && b.delFailures === 0;
  row({
    name: "daemon peak in burst, MiB",
    value: b.peakMiB,
    goal: "<= 80, none failing",
    met: b.peakMiB <= 80 && burstOk,
  });
  row({
    name: "100 DELs wall - 100 ADDs, ms",
    value: b.delWallMs - b.addWallMs,
    goal: "<= 0",
    met: b.delWallMs <= b.addWallMs,
  });

  console.log(
    `\nGoals: pod with cluster network + 3 NADs, ${opts.rounds} rounds after ${warmup} ` +
      `warm-ups (medians of per-round differences, ms; "thick CPU" is the shim + daemon ` +
      `tree's mean)\n`,
  );
  const cell = (x: number | undefined) => (x === undefined ? "" : fmt(x, 1));
  console.log(table(
    ["", "floor", "thin", "thick", "figure", "goal", ""],
    rows.map((r) => [
      r.name,
      cell(r.floor),
      cell(r.thin),
      cell(r.thick),
      fmt(r.value, 1),
      r.goal,
      r.met ? "met" : "NOT met",
    ]),
  ));
  console.log(
    `\ndaemon RSS: ${fmt(started, 1)} MiB started, ${fmt(idle, 1)} MiB idle with 500 ` +
      `realistic pods (~6 KB) + 100 NADs cached, ${fmt(afterRounds, 1)} MiB after the rounds; ` +
      `burst: ${b.pods} concurrent ADDs ` +
      `${fmt(b.addWallMs, 0)} ms (${b.addFailures} failed), then DELs ${fmt(b.delWallMs, 0)} ms ` +
      `(${b.delFailures} failed)`,
  );
  return {
    rounds: opts.rounds,
    samples: s,
    rows,
    rssMiB: { started, idle, afterRounds },
    burst: b,
  };
}
