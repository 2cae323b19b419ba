// deno-lint-ignore-file no-console
/**
 * Thin plugin benchmark (issue: thin plugin): ADD and DEL wall time, median and p95 over
 * `rounds` pods, for a pod with the cluster network plus three NADs through
 * `dist/bin/multus`, against the same delegates executed directly one after another (the
 * floor), measured in interleaved rounds; and the API requests one ADD makes. Each round
 * also runs the ADD with the JSON kubeconfig `multus install` writes (the fixture's is YAML,
 * as Multus's thin_entrypoint writes it). Goal: ADD median at most 25 ms above the floor's.
 *
 * @module
 */
import { multusEnv, TEST_TOKEN } from "../../tests/support/multus_env.ts";
import { generateThinKubeconfig } from "../../src/engine/daemon.ts";
import { benchPod, floor, setUpNetworks } from "./pod_networks.ts";
import {
  fmt,
  pairedOverhead,
  summarize,
  type Summary,
  SUMMARY_HEADER,
  summaryRow,
  table,
} from "./stats.ts";

/** What this suite reports. */
export interface ThinReport {
  add: { multus: Summary; floor: Summary; overheadMedianMs: number; overheadP95Ms: number };
  /** The same ADD with the JSON kubeconfig `multus install` writes. */
  addJsonKubeconfig: { multus: Summary; overheadMedianMs: number; overheadP95Ms: number };
  del: { multus: Summary; floor: Summary; overheadMedianMs: number };
  apiRequestsPerAdd: Record<string, number>;
  goal: string;
  met: boolean;
}

/** Runs the suite. */
export async function benchThin(opts: { root: string; rounds: number }): Promise<ThinReport> {
  await using env = await multusEnv();
  const delegates = await setUpNetworks(env);
  const api = new URL(env.api.url);
  const jsonKubeconfig = `${env.root}/multus.kubeconfig.json`;
  await Deno.writeTextFile(
    jsonKubeconfig,
    generateThinKubeconfig({
      serviceHost: api.hostname,
      servicePort: api.port,
      caPem: env.api.caPem ?? "",
      token: TEST_TOKEN,
    }).text,
  );
  const jsonConf = { ...env.conf(), kubeconfig: jsonKubeconfig };
  const samples = {
    addJson: [] as number[],
    addMultus: [] as number[],
    addFloor: [] as number[],
    delMultus: [] as number[],
    delFloor: [] as number[],
  };
  const requests: Record<string, number> = {};
  const warmup = 3;
  for (let i = 0; i < warmup + opts.rounds; i++) {
    const nsA = await env.extraNetns();
    const nsB = await env.extraNetns();
    const pod = benchPod(env, i);
    const cid = `bench-ctr-${i}`;
    const fl = await floor(delegates, "ADD", { containerId: `floor-${i}`, netns: nsA.path });
    env.api.clearLog();
    const t = performance.now();
    const add = await env.cni({ command: "ADD", pod, containerId: cid, netns: nsB.path });
    const addMs = performance.now() - t;
    if (add.code !== 0) throw new Error(`multus ADD failed: ${add.stdout}${add.stderr}`);
    if (i === warmup) {
      for (const r of env.api.requests()) {
        const key = `${r.verb} ${r.resource}${r.subresource ? "/" + r.subresource : ""}`;
        requests[key] = (requests[key] ?? 0) + 1;
      }
    }
    const fd = await floor(delegates, "DEL", { containerId: `floor-${i}`, netns: nsA.path });
    const t2 = performance.now();
    const del = await env.cni({ command: "DEL", pod, containerId: cid, netns: nsB.path });
    const delMs = performance.now() - t2;
    if (del.code !== 0) throw new Error(`multus DEL failed: ${del.stdout}${del.stderr}`);
    const cidJson = `bench-json-${i}`;
    const t3 = performance.now();
    const addJ = await env.cni({
      command: "ADD",
      pod,
      containerId: cidJson,
      netns: nsB.path,
      conf: jsonConf,
    });
    const addJsonMs = performance.now() - t3;
    if (addJ.code !== 0) throw new Error(`multus ADD failed: ${addJ.stdout}${addJ.stderr}`);
    const delJ = await env.cni({
      command: "DEL",
      pod,
      containerId: cidJson,
      netns: nsB.path,
      conf: jsonConf,
    });
    if (delJ.code !== 0) throw new Error(`multus DEL failed: ${delJ.stdout}${delJ.stderr}`);
    await nsA.remove();
    await nsB.remove();
    if (i < warmup) continue;
    samples.addJson.push(addJsonMs);
    samples.addFloor.push(fl);
    samples.addMultus.push(addMs);
    samples.delFloor.push(fd);
    samples.delMultus.push(delMs);
  }
  const s = {
    addJson: summarize(samples.addJson),
    addMultus: summarize(samples.addMultus),
    addFloor: summarize(samples.addFloor),
    delMultus: summarize(samples.delMultus),
    delFloor: summarize(samples.delFloor),
  };
  const add = pairedOverhead(samples.addMultus, samples.addFloor);
  const addJson = pairedOverhead(samples.addJson, samples.addFloor);
  const report: ThinReport = {
    add: {
      multus: s.addMultus,
      floor: s.addFloor,
      overheadMedianMs: add.median,
      overheadP95Ms: add.p95,
    },
    addJsonKubeconfig: {
      multus: s.addJson,
      overheadMedianMs: addJson.median,
      overheadP95Ms: addJson.p95,
    },
    del: {
      multus: s.delMultus,
      floor: s.delFloor,
      overheadMedianMs: pairedOverhead(samples.delMultus, samples.delFloor).median,
    },
    apiRequestsPerAdd: requests,
    goal: "thin ADD median <= floor median + 25 ms",
    met: add.median <= 25,
  };
  console.log("\nThin plugin: pod with cluster network + 3 NADs (ms, interleaved rounds)\n");
  console.log(table(SUMMARY_HEADER, [
    summaryRow("ADD dist/bin/multus", s.addMultus),
    summaryRow("ADD, JSON kubeconfig", s.addJson),
    summaryRow("ADD floor (4 delegates)", s.addFloor),
    summaryRow("DEL dist/bin/multus", s.delMultus),
    summaryRow("DEL floor (4 delegates)", s.delFloor),
  ]));
  console.log(
    `\nADD overhead over the floor (per-round differences): median ${
      fmt(report.add.overheadMedianMs)
    } ms, p95 ${fmt(report.add.overheadP95Ms)} ms (goal <= 25 ms median: ${
      report.met ? "met" : "NOT met"
    }); DEL overhead median ${fmt(report.del.overheadMedianMs)} ms`,
  );
  console.log(
    `ADD with the JSON kubeconfig multus install writes: overhead median ${
      fmt(report.addJsonKubeconfig.overheadMedianMs)
    } ms, p95 ${fmt(report.addJsonKubeconfig.overheadP95Ms)} ms`,
  );
  console.log(`API requests per ADD: ${JSON.stringify(requests)}`);
  return report;
}
