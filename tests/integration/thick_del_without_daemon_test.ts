/**
 * DEL while the daemon does not answer (issue 9, point 5; issue 10): containerd calls DEL
 * at StopPodSandbox and again at RemovePodSandbox, and either may come while the daemon
 * is down (a rollout, an OOM kill) or stopped. The shim then runs the DEL itself on the
 * node, so no host-local lease and no cache entry is left, DEL returns without waiting
 * for the daemon, and a delegate's DEL failure still reaches the runtime. Through
 * `dist/bin/multus-shim` and `dist/bin/multus-daemon`, real plugins, the API double.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { createNetns, linksIn, type Netns, requireRoot } from "../support/netns.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import { type DaemonEnv, daemonEnv } from "../support/daemon_env.ts";
import type { TestPod } from "../support/multus_env.ts";

/** A shim call is bounded: a DEL that waited for the daemon would be killed here. */
const DEL_BOUND_MS = 20_000;

/** The generated 00-multus.conf, as the runtime hands it to the shim. */
async function generatedConf(env: DaemonEnv): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(`${env.confDir}/00-multus.conf`));
}

/** A pod with the cluster network and two bridge networks, added through the daemon. */
async function addedPod(
  env: DaemonEnv,
  name: string,
): Promise<{ pod: TestPod; ns: Netns; containerId: string }> {
  env.bridgeNad("default", `${name}-a`, "10.251.0.0/24");
  env.bridgeNad("default", `${name}-b`, "10.252.0.0/24");
  const pod = env.pod(name, { "k8s.v1.cni.cncf.io/networks": `${name}-a, ${name}-b` });
  const ns = await createNetns();
  const containerId = `ctr-${name}`;
  const add = await env.shim({ command: "ADD", pod, containerId, netns: ns.path });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  assertEquals((await env.leases()).length, 3, "a lease on each network");
  assert((await filesUnder(env.cniDir)).length > 0, "scratch and result caches written");
  return { pod, ns, containerId };
}

async function del(
  env: DaemonEnv,
  call: { pod: TestPod; containerId: string; netns: string },
  conf: Record<string, unknown>,
) {
  return await env.shim({ command: "DEL", ...call, conf, timeoutMs: DEL_BOUND_MS });
}

Deno.test("thick: daemon down for StopPodSandbox's and RemovePodSandbox's DEL: nothing left, also once it is back", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const { pod, ns, containerId } = await addedPod(env, "both");
  const conf = await generatedConf(env);
  assertEquals(await env.daemon.stop("SIGKILL"), 137);
  try {
    const stop = await del(env, { pod, containerId, netns: ns.path }, conf);
    assertEquals(stop.code, 0, stop.stdout + stop.stderr);
    assertEquals((await linksIn(ns.name)).map((l) => l.ifname), ["lo"]);
    // The runtime removes the sandbox's namespace, then calls DEL again.
    await ns.remove();
    const remove = await del(env, { pod, containerId, netns: ns.path }, conf);
    assertEquals(remove.code, 0, remove.stdout + remove.stderr);
  } finally {
    await ns.remove();
  }
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
  await env.startDaemon();
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("thick: daemon down for the first DEL only: the second, through the daemon, succeeds; nothing left", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const { pod, ns, containerId } = await addedPod(env, "first");
  const conf = await generatedConf(env);
  assertEquals(await env.daemon.stop("SIGKILL"), 137);
  try {
    const stop = await del(env, { pod, containerId, netns: ns.path }, conf);
    assertEquals(stop.code, 0, stop.stdout + stop.stderr);
    assertEquals(await env.leases(), []);
    await env.startDaemon();
    await ns.remove();
    const remove = await del(env, { pod, containerId, netns: ns.path }, conf);
    assertEquals(remove.code, 0, remove.stdout + remove.stderr + env.daemon.log());
  } finally {
    await ns.remove();
  }
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("thick: a stopped daemon (SIGSTOP) does not turn DEL into a no-op: the shim releases everything", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const { pod, ns, containerId } = await addedPod(env, "frozen");
  const conf = await generatedConf(env);
  Deno.kill(env.daemon.pid, "SIGSTOP");
  try {
    const stop = await del(env, { pod, containerId, netns: ns.path }, conf);
    assertEquals(stop.code, 0, stop.stdout + stop.stderr);
    assertEquals((await linksIn(ns.name)).map((l) => l.ifname), ["lo"]);
    assertEquals(await env.leases(), []);
    assertEquals(await filesUnder(env.cniDir), []);
  } finally {
    Deno.kill(env.daemon.pid, "SIGCONT");
  }
  // The daemon, running again, answers the runtime's second DEL.
  await ns.remove();
  const remove = await del(env, { pod, containerId, netns: ns.path }, conf);
  assertEquals(remove.code, 0, remove.stdout + remove.stderr + env.daemon.log());
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("thick: with the daemon down, a delegate's DEL failure still reaches the runtime, and the other networks are released", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.api.createNad("default", "flaky", {
    config: {
      cniVersion: "1.0.0",
      type: "cnitest-record",
      fail: { DEL: { code: 11, msg: "backend unreachable" } },
    },
  });
  const pod = env.pod("f", { "k8s.v1.cni.cncf.io/networks": "flaky" });
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-f" });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  assertEquals((await env.leases()).length, 1);
  const conf = await generatedConf(env);
  assertEquals(await env.daemon.stop("SIGKILL"), 137);
  const res = await del(env, { pod, containerId: "ctr-f", netns: env.netns.path }, conf);
  assertEquals(res.code, 1, res.stdout + res.stderr);
  const err = res.json as { code: number; msg: string };
  assertEquals(err.code, 11);
  assertMatch(err.msg, /^CmdDel \(shim\): errors: .*backend unreachable/);
  assertEquals(await env.leases(), [], "the cluster network's DEL ran all the same");
});
