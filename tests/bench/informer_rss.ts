// deno-lint-ignore-file no-console
/**
 * Memory of the daemon's informer caches: starts the Kubernetes API test double with 500
 * pods on node `n1` (shaped like real workloads: managed fields, env, volumes, probes,
 * status, a `last-applied-configuration` annotation) plus 100 pods on another node and 100
 * NADs, then runs each mode in a child process of its own (so the double's memory does not
 * count) and reports its RSS once synced, the peak RSS (`VmHWM`) and the V8 heap in use.
 *
 * ```sh
 * ./scripts/deno run -A tests/bench/informer_rss.ts [--json] [--modes baseline,untrimmed,trimmed] [--page-size N]
 *   [--v8-flags=--max-semi-space-size=1,--optimize-for-size]
 * ```
 *
 * Modes: `baseline` (the client loaded, no informer), `untrimmed` (informers storing whole
 * objects), `trimmed` (what the daemon runs). Children run with the daemon's V8 flags and
 * `MALLOC_ARENA_MAX=2`, as `dist/` launches `multus-daemon` (`--v8-flags` replaces the V8
 * flags; `--v8-flags=` runs with Deno's defaults).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DAEMON_V8_FLAGS } from "../../scripts/build.ts";
import { realisticPod } from "../support/realistic_pod.ts";

export { realisticPod };

const MODES = ["baseline", "untrimmed", "trimmed"] as const;
type Mode = typeof MODES[number];
const MiB = 1024 * 1024;

/** What a child reports. */
export interface RssResult {
  /** RSS after sync and a full GC. */
  rssMiB: number;
  /** Peak RSS of the process (VmHWM). */
  peakRssMiB: number;
  /** V8 heap in use after sync and a full GC. */
  heapUsedMiB: number;
  /** V8 heap committed after sync and a full GC. */
  heapTotalMiB: number;
  /** Pods cached. */
  pods: number;
  /** NADs cached. */
  nads: number;
}

async function peakRssBytes(): Promise<number> {
  try {
    const status = await Deno.readTextFile("/proc/self/status");
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return Deno.memoryUsage().rss;
}

async function child(mode: Mode, kubeconfig: string, pageSize?: number): Promise<RssResult> {
  const { loadKubeClient } = await import("../../src/kube/mod.ts");
  const { createNadInformer, createPodInformer } = await import("../../src/daemon/kube_cache.ts");
  const { denoExec } = await import("../../src/platform/exec.ts");
  const { denoFs } = await import("../../src/platform/fs.ts");
  const { silentLogger } = await import("../../src/platform/log.ts");
  const { envFromObject } = await import("../../src/platform/process.ts");
  const client = await loadKubeClient({
    kubeconfig,
    env: envFromObject({}),
    fs: denoFs,
    exec: denoExec,
  });
  if (!client) throw new Error("no client");
  const trim = mode === "trimmed";
  const tuning = pageSize === undefined ? {} : { pageSize };
  const pods = createPodInformer(client, { nodeName: "n1", logger: silentLogger, trim, ...tuning });
  const nads = createNadInformer(client, { logger: silentLogger, trim, ...tuning });
  if (mode !== "baseline") {
    pods.start();
    nads.start();
    if (!(await pods.waitForSync(30_000)) || !(await nads.waitForSync(30_000))) {
      throw new Error("informers did not sync");
    }
  } else {
    await client.listNads({ limit: 1 }); // the transport and TLS are set up as in the others
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const mem = Deno.memoryUsage();
  const result: RssResult = {
    rssMiB: round(mem.rss / MiB),
    peakRssMiB: round((await peakRssBytes()) / MiB),
    heapUsedMiB: round(mem.heapUsed / MiB),
    heapTotalMiB: round(mem.heapTotal / MiB),
    pods: pods.list().length,
    nads: nads.list().length,
  };
  await pods.stop();
  await nads.stop();
  client.close();
  return result;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Runs the double, then each mode in a child process; returns the results by mode. */
export async function measure(
  modes: readonly Mode[],
  opts: { pageSize?: number; v8Flags?: string } = {},
): Promise<Record<string, RssResult>> {
  const { startKubeApiDouble } = await import("../support/kube_api/mod.ts");
  const { writeKubeconfig } = await import("../support/kubeconfig.ts");
  const api = await startKubeApiDouble({ tokens: ["bench-token"] });
  const dir = await Deno.makeTempDir({ prefix: "informer-rss-" });
  try {
    for (let i = 0; i < 500; i++) api.createPod(realisticPod(i, "n1") as never);
    for (let i = 0; i < 100; i++) api.createPod(realisticPod(i, "n2") as never);
    for (let i = 0; i < 100; i++) {
      api.createNad(`team-${i % 20}`, `net-${i}`, {
        config: {
          cniVersion: "1.0.0",
          type: "macvlan",
          master: "eth1",
          mode: "bridge",
          ipam: { type: "host-local", subnet: `192.168.${i}.0/24` },
        },
        labels: { team: `team-${i % 20}` },
      });
    }
    const kubeconfig = await writeKubeconfig(`${dir}/kubeconfig`, {
      server: api.url,
      caData: api.caPem!,
      token: "bench-token",
    });
    const v8Flags = opts.v8Flags ?? DAEMON_V8_FLAGS.replace(/^--v8-flags=/, "");
    const results: Record<string, RssResult> = {};
    for (const mode of modes) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          `--v8-flags=--expose-gc${v8Flags ? `,${v8Flags}` : ""}`,
          new URL(import.meta.url).pathname,
          "--child",
          mode,
          "--kubeconfig",
          kubeconfig,
          ...(opts.pageSize === undefined ? [] : ["--page-size", String(opts.pageSize)]),
        ],
        env: { MALLOC_ARENA_MAX: "2" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        throw new Error(`${mode}: ${new TextDecoder().decode(out.stderr)}`);
      }
      results[mode] = JSON.parse(new TextDecoder().decode(out.stdout)) as RssResult;
    }
    return results;
  } finally {
    await api.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "string" },
      kubeconfig: { type: "string" },
      json: { type: "boolean", default: false },
      modes: { type: "string", default: MODES.join(",") },
      "page-size": { type: "string" },
      "v8-flags": { type: "string" },
    },
  });
  const pageSize = values["page-size"] === undefined ? undefined : Number(values["page-size"]);
  if (values.child) {
    const result = await child(values.child as Mode, values.kubeconfig ?? "", pageSize);
    console.log(JSON.stringify(result));
  } else {
    const modes = values.modes.split(",").filter((m): m is Mode => MODES.includes(m as Mode));
    const results = await measure(modes, {
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(values["v8-flags"] !== undefined ? { v8Flags: values["v8-flags"] } : {}),
    });
    if (values.json) console.log(JSON.stringify(results));
    else {
      console.log("mode        RSS MiB  peak RSS MiB  heap used MiB  heap total MiB  pods  nads");
      for (const [mode, r] of Object.entries(results)) {
        console.log(
          `${mode.padEnd(10)}  ${String(r.rssMiB).padStart(7)}  ${
            String(r.peakRssMiB).padStart(12)
          }  ${String(r.heapUsedMiB).padStart(13)}  ${String(r.heapTotalMiB).padStart(14)}  ${
            String(r.pods).padStart(4)
          }  ${String(r.nads).padStart(4)}`,
        );
      }
    }
  }
}
