/**
 * Fault suite (issue 10), the node's surroundings: a full disk under the cache dir, and
 * an API server that comes and goes. Through `dist/bin/multus-shim` and
 * `dist/bin/multus-daemon`, real plugins (bridge, host-local), the API double. The
 * assertions are invariants (CNI codes, nothing left on the node, the daemon serving),
 * never timings.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { createNetns, linksIn, type Netns, requireRoot } from "../support/netns.ts";
import { daemonEnv } from "../support/daemon_env.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import type { OutageMode } from "../support/kube_api/mod.ts";
import type { RunOutput } from "../support/dist.ts";
import { assertNodeClean, eventually } from "../support/fault_checks.ts";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const PAGE = 4096;

async function run(cmd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A tmpfs of `pages` pages at `dir`, filled but for `free` pages; unmounted on dispose. */
async function smallDisk(dir: string, pages: number, free: number): Promise<AsyncDisposable> {
  await Deno.mkdir(dir, { recursive: true });
  await run("mount", "-t", "tmpfs", "-o", `size=${pages * PAGE},mode=0700`, "tmpfs", dir);
  // The filler, under a name the cache never uses; the test removes it to free the disk.
  await Deno.writeFile(`${dir}/.filler`, new Uint8Array((pages - free) * PAGE));
  return {
    async [Symbol.asyncDispose]() {
      await run("umount", "-l", dir).catch(() => {});
    },
  };
}

function cniError(out: RunOutput): { code: number; msg: string } {
  const err = out.json as { code?: unknown; msg?: unknown } | undefined;
  assert(typeof err?.code === "number", `a CNI error, got: ${out.stdout}${out.stderr}`);
  return err as { code: number; msg: string };
}

for (const free of [0, 1]) {
  Deno.test({
    name:
      `faults: cache dir on a full disk (${free} page free): ADD fails with a clear error and rolls back, DEL works`,
  }, async () => {
    requireRoot();
    await using env = await daemonEnv();
    const blue = env.bridgeNad("default", "blue", "10.249.0.0/24");
    const pod = env.pod("disk", { [NETWORKS]: "blue" });
    await using ns = await createNetns();
    {
      await using _disk = await smallDisk(env.cniDir, 16, free);
      const add = await env.shim({ command: "ADD", pod, containerId: "full", netns: ns.path });
      assert(add.code !== 0, "ADD on a full disk fails");
      const err = cniError(add);
      assertMatch(err.msg, /No space left on device|os error 28/);
      assertEquals((await linksIn(ns.name)).map((l) => l.ifname), ["lo"], "rolled back");
      assertEquals(await env.leases(), [], "no lease kept");
      const cache = async () => (await filesUnder(env.cniDir)).filter((f) => f !== ".filler");
      // At most the complete scratch cache the runtime's DEL reads; no temp file, no result.
      const left = await cache();
      assertEquals(left.filter((f) => f !== "full"), [], "no partial or temp cache file");
      if (left.length > 0) JSON.parse(await Deno.readTextFile(`${env.cniDir}/full`));
      const del = await env.shim({ command: "DEL", pod, containerId: "full", netns: ns.path });
      assertEquals(del.code, 0, del.stdout + del.stderr + env.daemon.log());
      assertEquals(await cache(), [], "DEL removes the scratch cache");
      await Deno.remove(`${env.cniDir}/.filler`);
    }
    // Space again: the same pod attaches and detaches cleanly.
    const add = await env.shim({ command: "ADD", pod, containerId: "space", netns: ns.path });
    assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
    const del = await env.shim({ command: "DEL", pod, containerId: "space", netns: ns.path });
    assertEquals(del.code, 0, del.stdout + del.stderr + env.daemon.log());
    await assertNodeClean(env, { netns: [ns], bridges: [env.clusterBridge, blue] });
  });
}

Deno.test({
  name:
    "faults: the API server flapping: ADDs in an outage answer 11 or succeed, the informers recover, DEL cleans all",
}, async () => {
  requireRoot();
  await using env = await daemonEnv();
  const blue = env.bridgeNad("default", "blue", "10.248.0.0/24");
  const log = () => env.daemon.log();
  const sandboxes: { pod: ReturnType<typeof env.pod>; ns: Netns; cid: string }[] = [];
  try {
    const modes: OutageMode[] = ["refuse", "503", "hang", "refuse"];
    for (const [round, mode] of modes.entries()) {
      // One pod created before the outage (the daemon may have it cached), one during it.
      const known = env.pod(`known-${round}`, { [NETWORKS]: "blue" });
      await env.api.setOutage(mode);
      const fresh = env.pod(`fresh-${round}`, { [NETWORKS]: "blue" });
      for (const pod of [known, fresh]) {
        const ns = await createNetns();
        const cid = `${pod.name}-1`;
        sandboxes.push({ pod, ns, cid });
        const add = await env.shim({ command: "ADD", pod, containerId: cid, netns: ns.path });
        if (add.code !== 0) {
          assertEquals(cniError(add).code, 11, `${pod.name} in a ${mode} outage: ${add.stdout}`);
          assertEquals((await linksIn(ns.name)).map((l) => l.ifname), ["lo"], "rolled back");
        }
      }
      await env.api.setOutage(null);
      // The outage closed every watch: the pod and NAD informers open theirs again.
      await eventually(
        `the informers to watch again after the ${mode} outage`,
        () => env.api.openWatches >= 2,
      );
      // After the outage every pod attaches (a new sandbox for the ones that failed).
      for (const pod of [known, fresh]) {
        const ns = await createNetns();
        const cid = `${pod.name}-2`;
        sandboxes.push({ pod, ns, cid });
        const add = await env.shim({ command: "ADD", pod, containerId: cid, netns: ns.path });
        assertEquals(add.code, 0, `${pod.name} after the ${mode} outage: ${add.stdout}${log()}`);
      }
    }
    for (const s of sandboxes) {
      const del = await env.shim({
        command: "DEL",
        pod: s.pod,
        containerId: s.cid,
        netns: s.ns.path,
      });
      assertEquals(del.code, 0, del.stdout + del.stderr + log());
    }
    await assertNodeClean(env, {
      netns: sandboxes.map((s) => s.ns),
      bridges: [env.clusterBridge, blue],
    });
  } finally {
    await env.api.setOutage(null);
    for (const s of sandboxes) await s.ns.remove();
  }
});
