// deno-lint-ignore-file no-console
/**
 * Soak benchmark (issue 10): `cycles` ADD+DEL cycles (default 1000) of one pod with the
 * cluster network and two NADs (bridge + host-local) through `dist/bin/multus-shim` and
 * one `dist/bin/multus-daemon`, each cycle a new sandbox (container ID) in the same pod
 * network namespace, as a pod whose sandbox keeps being recreated. It samples the daemon's
 * RSS and open fds, the links on the host and in the pod's namespace, host-local's leases
 * and the files under the cache dir at the start, after the first cycle (which creates the
 * bridges), every 100 cycles and at the end, plus the daemon's peak RSS (VmHWM). A leak
 * shows as a count that grows with the cycles. Host links are the soak's own: its three
 * bridges and the links enslaved to them (other work on the node changes the rest).
 *
 * @module
 */
import { daemonEnv } from "../../tests/support/daemon_env.ts";
import { ipJson, linksIn } from "../../tests/support/netns.ts";
import { filesUnder } from "../../tests/support/cni_runtime.ts";
import { fmt, table } from "./stats.ts";

/** One sample of the node's state. */
export interface SoakSample {
  cycle: number;
  rssMiB: number;
  fds: number;
  /** The soak's bridges and the veth ends attached to them. */
  hostLinks: number;
  podLinks: number;
  leases: number;
  cacheFiles: number;
}

/** What this suite reports. */
export interface SoakReport {
  cycles: number;
  failures: number;
  seconds: number;
  start: SoakSample;
  end: SoakSample;
  maxRssMiB: number;
  samples: SoakSample[];
}

async function rssMiB(pid: number): Promise<{ rss: number; hwm: number }> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

async function countFds(pid: number): Promise<number> {
  let n = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) n++;
  return n;
}

/** Runs the suite: `cycles` ADD+DEL cycles (the bench's `--cycles`, default 1000). */
export async function benchSoak(opts: { cycles?: number }): Promise<SoakReport> {
  const cycles = opts.cycles ?? 1000;
  await using env = await daemonEnv({ config: { connectionLimit: 16, logLevel: "error" } });
  const pid = env.daemon.pid;
  const bridges = new Set([
    env.clusterBridge,
    env.bridgeNad("default", "soak-a", "10.244.0.0/20"),
    env.bridgeNad("default", "soak-b", "10.245.0.0/20"),
  ]);
  const ownLinks = async () =>
    (await ipJson<{ ifname: string; master?: string }[]>("-j", "link", "show"))
      .filter((l) => bridges.has(l.ifname) || (l.master !== undefined && bridges.has(l.master)))
      .length;
  const pod = env.pod("soak", { "k8s.v1.cni.cncf.io/networks": "soak-a, soak-b" });
  await new Promise((r) => setTimeout(r, 500)); // the informers see the pod and the NADs

  const sample = async (cycle: number): Promise<SoakSample> => ({
    cycle,
    rssMiB: (await rssMiB(pid)).rss,
    fds: await countFds(pid),
    hostLinks: await ownLinks(),
    podLinks: (await linksIn(env.netns.name)).length,
    leases: (await env.leases()).length,
    cacheFiles: (await filesUnder(env.cniDir)).length,
  });

  const samples = [await sample(0)];
  let failures = 0;
  const t0 = performance.now();
  for (let i = 1; i <= cycles; i++) {
    const containerId = `soak-${i}`;
    const add = await env.shim({ command: "ADD", pod, containerId });
    if (add.code !== 0) {
      failures++;
      console.error(`soak: ADD ${i} failed: ${add.stdout}${add.stderr}`);
    }
    const del = await env.shim({ command: "DEL", pod, containerId });
    if (del.code !== 0) {
      failures++;
      console.error(`soak: DEL ${i} failed: ${del.stdout}${del.stderr}`);
    }
    if (i === 1 || i % 100 === 0 || i === cycles) {
      samples.push(await sample(i));
      console.error(`soak: ${i}/${cycles} cycles`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMiB = (await rssMiB(pid)).hwm;
  const start = samples[0]!;
  const end = samples[samples.length - 1]!;
  const report: SoakReport = { cycles, failures, seconds, start, end, maxRssMiB, samples };

  console.log(
    `\nSoak: ${cycles} ADD+DEL cycles of one pod (cluster network + 2 NADs) through ` +
      `multus-shim + multus-daemon, ${fmt(seconds, 0)} s, ${failures} failed calls\n`,
  );
  console.log(table(
    ["cycle", "RSS MiB", "fds", "host links", "pod links", "leases", "cache files"],
    samples.map((s) => [
      String(s.cycle),
      fmt(s.rssMiB, 1),
      String(s.fds),
      String(s.hostLinks),
      String(s.podLinks),
      String(s.leases),
      String(s.cacheFiles),
    ]),
  ));
  console.log(`\ndaemon max RSS (VmHWM): ${fmt(maxRssMiB, 1)} MiB`);
  return report;
}
