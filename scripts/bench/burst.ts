/**
 * The daemon's memory scenario: its node loaded with 500 realistic pods (about 6 KB of JSON
 * each) and 100 NADs cached, then a burst of concurrent pod ADDs for pods with the
 * cluster network plus three NADs, then their DELs, with the daemon's RSS idle and its
 * peak (`VmHWM`) over the burst.
 *
 * @module
 */
import type { DaemonEnv } from "../../tests/support/daemon_env.ts";
import type { TestPod } from "../../tests/support/multus_env.ts";
import { realisticPod } from "../../tests/support/realistic_pod.ts";
import { NETWORKS } from "./pod_networks.ts";

/** RSS and peak RSS (VmHWM) of `pid`, MiB. */
export async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** Resets `pid`'s VmHWM to its current RSS (writing 5 to clear_refs, Linux >= 4.0). */
export async function resetPeak(pid: number): Promise<void> {
  await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5").catch(() => {});
}

/** The pod `name` in `default`, realistic, on the daemon's node, with `networks`. */
export function benchRealisticPod(
  env: DaemonEnv | { api: DaemonEnv["api"] },
  i: number,
  name: string,
  networks = NETWORKS,
): TestPod {
  const uid = crypto.randomUUID();
  const annotations = { "k8s.v1.cni.cncf.io/networks": networks };
  env.api.createPod(
    realisticPod(i, "node1", {
      name,
      namespace: "default",
      uid,
      lean: true,
      annotations: { ...annotations, "k8s.v1.cni.cncf.io/network-status": undefined },
    }) as never,
  );
  return { namespace: "default", name, uid, annotations };
}

/** Caches 100 NADs (10 namespaces) and 500 realistic pods on the daemon's node. */
export function loadNode(env: DaemonEnv): void {
  for (let i = 0; i < 100; i++) {
    env.api.createNad(`ns-${i % 10}`, `nad-${i}`, {
      config: {
        cniVersion: "1.0.0",
        type: "bridge",
        bridge: "unused0",
        ipam: { type: "host-local", subnet: "10.250.0.0/16" },
      },
    });
  }
  for (let i = 0; i < 500; i++) {
    env.api.createPod(
      realisticPod(i, "node1", {
        name: `load-${i}`,
        namespace: `ns-${i % 10}`,
        lean: true,
      }) as never,
    );
  }
}

/** What one burst measured. */
export interface BurstResult {
  pods: number;
  addWallMs: number;
  delWallMs: number;
  /** Daemon VmHWM over the ADDs and the DELs, MiB. */
  peakMiB: number;
  addFailures: number;
  delFailures: number;
}

/** `n` concurrent ADDs through the shim, then their DELs; the daemon is `pid`. */
export async function burst(env: DaemonEnv, pid: number, n = 100): Promise<BurstResult> {
  const pods = await Promise.all(Array.from({ length: n }, async (_, i) => ({
    pod: benchRealisticPod(env, i, `burst-${i}`),
    ns: await env.extraNetns(),
  })));
  await new Promise((r) => setTimeout(r, 1000)); // the informer sees the new pods
  await resetPeak(pid);
  const run = async (command: "ADD" | "DEL") => {
    const t = performance.now();
    const out = await Promise.all(
      pods.map((b, i) =>
        env.shim({ command, pod: b.pod, containerId: `burst-${i}`, netns: b.ns.path })
      ),
    );
    return { ms: performance.now() - t, failures: out.filter((r) => r.code !== 0).length };
  };
  const add = await run("ADD");
  const del = await run("DEL");
  const peak = (await memory(pid)).hwm;
  for (const b of pods) await b.ns.remove();
  return {
    pods: n,
    addWallMs: add.ms,
    delWallMs: del.ms,
    peakMiB: peak,
    addFailures: add.failures,
    delFailures: del.failures,
  };
}
