/**
 * Fault suite (issue 10), the daemon: killed with SIGKILL in the middle of an ADD, and
 * restarted with its queue full. Through `dist/bin/multus-shim` and
 * `dist/bin/multus-daemon`, real plugins (bridge, host-local) plus the project's test
 * plugin as a slow delegate, the API double. The assertions are invariants after the
 * runtime's own recovery (DEL, then a retried ADD): nothing left on the node, the daemon
 * serving; never timings.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { createNetns, linksIn, type Netns, requireRoot } from "../support/netns.ts";
import { daemonEnv } from "../support/daemon_env.ts";
import { recorded } from "../support/cni_runtime.ts";
import type { RunOutput } from "../support/dist.ts";
import {
  assertDaemonServes,
  assertNodeClean,
  descendants,
  eventually,
  killAll,
} from "../support/fault_checks.ts";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

/** A CNI error on stdout with a numeric code (never a stack trace or nothing). */
function cniErrorCode(out: RunOutput): number {
  const err = out.json as { code?: unknown } | undefined;
  assert(typeof err?.code === "number", `a CNI error, got: ${out.stdout}${out.stderr}`);
  return err.code as number;
}

Deno.test("faults: daemon killed (SIGKILL) mid-ADD, then restarted: the runtime's DEL and retried ADD leave nothing, the daemon serves", async () => {
  requireRoot();
  await using env = await daemonEnv();
  // cluster network (bridge), then a slow delegate, then a bridge NAD: killed while the
  // slow one runs, the cluster network is attached and holds a lease, the last is not.
  const record = env.recorderNad("default", "slow", { sleep: { ADD: 120 } });
  const after = env.bridgeNad("default", "after", "10.253.0.0/24");
  const pod = env.pod("killed", { [NETWORKS]: "slow, after" });
  await using ns = await createNetns();
  const add = env.shim({ command: "ADD", pod, containerId: "sandbox-1", netns: ns.path });
  await eventually(
    "the slow delegate's ADD",
    async () => (await recorded(record)).some((r) => r.command === "ADD"),
  );
  const orphans = await descendants(env.daemon.pid);
  assertEquals(await env.daemon.stop("SIGKILL"), 137);
  killAll(orphans); // the delegates the killed daemon left running
  const failed = await add;
  assert(failed.code !== 0, "the interrupted ADD fails");
  cniErrorCode(failed);
  assert((await linksIn(ns.name)).some((l) => l.ifname === "eth0"), "the fault hit mid-ADD");

  // The delegate is quick again, and the daemon comes back (it lists the NAD afresh).
  env.api.deleteNad("default", "slow");
  env.recorderNad("default", "slow");
  await env.startDaemon();
  // The runtime: DEL of the failed sandbox, then a new sandbox.
  const del1 = await env.shim({ command: "DEL", pod, containerId: "sandbox-1", netns: ns.path });
  assertEquals(del1.code, 0, del1.stdout + del1.stderr + env.daemon.log());
  await assertNodeClean(env, { netns: [ns], bridges: [env.clusterBridge, after] });

  const add2 = await env.shim({ command: "ADD", pod, containerId: "sandbox-2", netns: ns.path });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr + env.daemon.log());
  // net1 is the test plugin's (it creates no link), net2 the bridge NAD's.
  assertEquals((await linksIn(ns.name)).map((l) => l.ifname).sort(), ["eth0", "lo", "net2"]);
  const del2 = await env.shim({ command: "DEL", pod, containerId: "sandbox-2", netns: ns.path });
  assertEquals(del2.code, 0, del2.stdout + del2.stderr + env.daemon.log());
  await assertNodeClean(env, { netns: [ns], bridges: [env.clusterBridge, after] });
});

Deno.test("faults: daemon restarted with its queue full: the excess answered 11, none half-attached once settled, DEL cleans all", async () => {
  requireRoot();
  const running = 2;
  const queued = 3;
  await using env = await daemonEnv({
    config: { connectionLimit: running, maxQueuedRequests: queued },
  });
  const record = env.recorderNad("default", "slow", { sleep: { ADD: 5 } });
  const blue = env.bridgeNad("default", "blue", "10.254.0.0/24");
  const pods: { pod: ReturnType<typeof env.pod>; ns: Netns; cid: string }[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      pods.push({
        pod: env.pod(`q-${i}`, { [NETWORKS]: "slow, blue" }),
        ns: await createNetns(),
        cid: `queued-${i}`,
      });
    }
    let answered = 0;
    const adds = pods.map((p) =>
      env.shim({ command: "ADD", pod: p.pod, containerId: p.cid, netns: p.ns.path }).then((r) => {
        answered++;
        return r;
      })
    );
    // Fifteen are refused at once; the other five run or wait.
    await eventually("the excess to be refused", () => answered >= 20 - running - queued);
    await eventually(
      "the slow delegate to run",
      async () => (await recorded(record)).some((r) => r.command === "ADD"),
    );
    const orphans = await descendants(env.daemon.pid);
    await env.daemon.stop("SIGTERM");
    killAll(orphans.filter((p) => p !== env.daemon.pid));
    const results = await Promise.all(adds);
    await env.startDaemon();

    let refused = 0;
    for (const [i, r] of results.entries()) {
      const { ns } = pods[i]!;
      const links = (await linksIn(ns.name)).map((l) => l.ifname).sort();
      if (r.code === 0) {
        // net1 is the test plugin's (no link), net2 the bridge NAD's.
        assertEquals(links, ["eth0", "lo", "net2"], `pod ${i} succeeded: fully attached`);
        continue;
      }
      const code = cniErrorCode(r);
      if (code === 11) {
        refused++;
        assertEquals(links, ["lo"], `pod ${i} refused with 11: nothing attached`);
      }
    }
    assert(refused >= 20 - running - queued, `${refused} refused with code 11`);

    // The runtime DELs every sandbox (after a failed ADD, and at pod deletion).
    for (const p of pods) {
      const del = await env.shim({
        command: "DEL",
        pod: p.pod,
        containerId: p.cid,
        netns: p.ns.path,
      });
      assertEquals(del.code, 0, del.stdout + del.stderr + env.daemon.log());
    }
    await assertNodeClean(env, {
      netns: pods.map((p) => p.ns),
      bridges: [env.clusterBridge, blue],
    });
    await assertDaemonServes(env);
  } finally {
    for (const p of pods) await p.ns.remove();
  }
});
