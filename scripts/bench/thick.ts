// deno-lint-ignore-file no-console
/**
 * Thick mode benchmark (issue: thick mode), in one run:
 * (a) ADD and DEL wall time, median and p95 over `rounds` pods, for a pod with the
 *     cluster network plus three NADs through `dist/bin/multus-shim` + the daemon, against
 *     the same delegates executed directly (the floor) - goal: ADD <= floor + 20 ms;
 * (b) the shim's start-to-exit overhead against Deno's empty start;
 * (c) API requests on an ADD's critical path (events are sent after the answer);
 * (d) daemon RSS idle, with 500 realistic pods (`burst.ts`) and 100 NADs in its caches, and at its peak during a
 *     burst of 100 concurrent ADDs (VmHWM) - goal: peak < 100 MiB, no request failing.
 *
 * @module
 */
import { daemonEnv } from "../../tests/support/daemon_env.ts";
import { benchPod, floor, setUpNetworks } from "./pod_networks.ts";
import { loadNode, memory, resetPeak } from "./burst.ts";
import {
  fmt,
  interleave,
  pairedOverhead,
  summarize,
  type Summary,
  SUMMARY_HEADER,
  summaryRow,
  table,
  timeCommand,
} from "./stats.ts";

/** What this suite reports. */
export interface ThickReport {
  add: { shim: Summary; floor: Summary; overheadMedianMs: number; overheadP95Ms: number };
  del: { shim: Summary; floor: Summary; overheadMedianMs: number };
  shimStart: { shim: Summary; empty: Summary; overheadMedianMs: number };
  apiRequestsOnAddCriticalPath: Record<string, number>;
  rssMiB: {
    idle: number;
    loaded: number;
    burstPeak: number;
    burstFailures: number;
    burstMs: number;
  };
  goals: { add: boolean; memory: boolean };
}

/** Runs the suite. */
export async function benchThick(opts: { root: string; rounds: number }): Promise<ThickReport> {
  await using env = await daemonEnv({ config: { connectionLimit: 16, logLevel: "error" } });
  const pid = env.daemon.pid;
  const idle = (await memory(pid)).rss;
  const delegates = await setUpNetworks(env);
  await new Promise((r) => setTimeout(r, 500));

  // (a) ADD/DEL against the floor, interleaved.
  const samples = {
    add: [] as number[],
    addFloor: [] as number[],
    del: [] as number[],
    delFloor: [] as number[],
  };
  const requests: Record<string, number> = {};
  const warmup = 3;
  for (let i = 0; i < warmup + opts.rounds; i++) {
    const nsA = await env.extraNetns();
    const nsB = await env.extraNetns();
    const pod = benchPod(env, i);
    await new Promise((r) => setTimeout(r, 20)); // let the informer see the new pod
    const fl = await floor(delegates, "ADD", { containerId: `floor-${i}`, netns: nsA.path });
    env.api.clearLog();
    const t = performance.now();
    const add = await env.shim({ command: "ADD", pod, containerId: `bench-${i}`, netns: nsB.path });
    const addMs = performance.now() - t;
    if (add.code !== 0) throw new Error(`shim ADD failed: ${add.stdout}${add.stderr}`);
    if (i === warmup) {
      for (const r of env.api.requests()) {
        if (r.resource === "events") continue;
        const key = `${r.verb} ${r.resource}${r.subresource ? "/" + r.subresource : ""}`;
        requests[key] = (requests[key] ?? 0) + 1;
      }
    }
    const fd = await floor(delegates, "DEL", { containerId: `floor-${i}`, netns: nsA.path });
    const t2 = performance.now();
    const del = await env.shim({ command: "DEL", pod, containerId: `bench-${i}`, netns: nsB.path });
    const delMs = performance.now() - t2;
    if (del.code !== 0) throw new Error(`shim DEL failed: ${del.stdout}${del.stderr}`);
    await nsA.remove();
    await nsB.remove();
    if (i < warmup) continue;
    samples.add.push(addMs);
    samples.addFloor.push(fl);
    samples.del.push(delMs);
    samples.delFloor.push(fd);
  }

  // (b) shim start to exit (a DEL of a container the daemon never saw: one /healthz probe,
  // one request, nothing to delete) against Deno's empty start.
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(empty, "\n");
  const shimConf = JSON.stringify(env.shimConf());
  const start = await interleave([
    {
      name: "empty",
      run: () =>
        timeCommand(Deno.execPath(), {
          args: ["run", "--quiet", "--no-config", "--cached-only", empty],
          env: { DENO_DIR: Deno.env.get("DENO_DIR") ?? `${opts.root}/.tools/deno_dir` },
        }),
    },
    {
      name: "shim",
      run: () =>
        timeCommand(`${opts.root}/dist/bin/multus-shim`, {
          env: {
            CNI_COMMAND: "DEL",
            CNI_CONTAINERID: "never-added",
            CNI_NETNS: "/var/run/netns/none",
            CNI_IFNAME: "eth0",
            CNI_PATH: "/usr/lib/cni",
            CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=nobody;K8S_POD_UID=",
          },
          stdin: shimConf,
        }),
    },
  ], { rounds: opts.rounds, warmup: 3 });
  await Deno.remove(empty);

  // (d) memory: 500 pods on this node and 100 NADs in the caches, then a burst.
  loadNode(env);
  await new Promise((r) => setTimeout(r, 3000));
  const loaded = (await memory(pid)).rss;
  const burst = await Promise.all(Array.from({ length: 100 }, async (_, i) => ({
    pod: env.pod(`burst-${i}`, { "k8s.v1.cni.cncf.io/networks": "blue" }),
    ns: await env.extraNetns(),
  })));
  await new Promise((r) => setTimeout(r, 500));
  await resetPeak(pid);
  const t0 = performance.now();
  const results = await Promise.all(
    burst.map((b, i) =>
      env.shim({ command: "ADD", pod: b.pod, containerId: `burst-${i}`, netns: b.ns.path })
    ),
  );
  const burstMs = performance.now() - t0;
  const peak = (await memory(pid)).hwm;
  const failures = results.filter((r) => r.code !== 0).length;
  await Promise.all(
    burst.map((b, i) =>
      env.shim({ command: "DEL", pod: b.pod, containerId: `burst-${i}`, netns: b.ns.path })
    ),
  );

  const s = {
    add: summarize(samples.add),
    addFloor: summarize(samples.addFloor),
    del: summarize(samples.del),
    delFloor: summarize(samples.delFloor),
    shim: summarize(start.shim!),
    empty: summarize(start.empty!),
  };
  const add = pairedOverhead(samples.add, samples.addFloor);
  const report: ThickReport = {
    add: { shim: s.add, floor: s.addFloor, overheadMedianMs: add.median, overheadP95Ms: add.p95 },
    del: {
      shim: s.del,
      floor: s.delFloor,
      overheadMedianMs: pairedOverhead(samples.del, samples.delFloor).median,
    },
    shimStart: { shim: s.shim, empty: s.empty, overheadMedianMs: s.shim.median - s.empty.median },
    apiRequestsOnAddCriticalPath: requests,
    rssMiB: { idle, loaded, burstPeak: peak, burstFailures: failures, burstMs },
    goals: {
      add: add.median <= 20,
      memory: peak < 100 && failures === 0,
    },
  };
  console.log(
    "\nThick mode: pod with cluster network + 3 NADs through multus-shim + multus-daemon (ms)\n",
  );
  console.log(table(SUMMARY_HEADER, [
    summaryRow("ADD shim + daemon", s.add),
    summaryRow("ADD floor (4 delegates)", s.addFloor),
    summaryRow("DEL shim + daemon", s.del),
    summaryRow("DEL floor (4 delegates)", s.delFloor),
    summaryRow("shim start to exit", s.shim),
    summaryRow("deno run empty.ts", s.empty),
  ]));
  console.log(
    `\nADD overhead over the floor (per-round differences): median ${
      fmt(report.add.overheadMedianMs)
    } ms, p95 ${fmt(report.add.overheadP95Ms)} ms (goal <= 20 ms: ${
      report.goals.add ? "met" : "NOT met"
    }); DEL overhead median ${fmt(report.del.overheadMedianMs)} ms; shim start - empty start: ${
      fmt(report.shimStart.overheadMedianMs)
    } ms`,
  );
  console.log(`API requests on the ADD's critical path: ${JSON.stringify(requests)}`);
  console.log(
    `daemon RSS: idle ${fmt(idle, 1)} MiB, with 500 pods + 100 NADs cached ${
      fmt(loaded, 1)
    } MiB, ` +
      `peak during 100 concurrent ADDs ${fmt(peak, 1)} MiB (${failures} failed, ${
        fmt(burstMs, 0)
      } ms) ` +
      `(goal < 100 MiB, none failing: ${report.goals.memory ? "met" : "NOT met"})`,
  );
  return report;
}
