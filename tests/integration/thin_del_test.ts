/**
 * DEL is best-effort and never blocks teardown: with the API server down, the pod gone,
 * the namespace gone, or the scratch cache corrupt; a real delegate failure is reported.
 * Through `dist/bin/multus` with real plugins; host-local's state shows what was released.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, recorded } from "../support/cni_runtime.ts";
import { type MultusEnv, multusEnv, NETWORKS, type TestPod } from "../support/multus_env.ts";
import { testMode } from "../support/test_mode.ts";

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

/** A pod on the cluster network plus a bridge NAD and a macvlan NAD, added. */
async function addedPod(env: MultusEnv, name: string, cid: string): Promise<TestPod> {
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  await env.macvlanNad("default", "mv", "10.242.0.0/24");
  const pod = env.pod(name, { [NETWORKS]: "blue, mv" });
  const add = await env.cni({ command: "ADD", pod, containerId: cid });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await names(env.netns.name), ["eth0", "lo", "net1", "net2"]);
  assertEquals(await env.leases(), ["blue/10.241.0.2", "cluster/10.240.0.2", "mv/10.242.0.2"]);
  return pod;
}

/** Everything of `cid` is gone: interfaces, addresses, both caches. */
async function assertAllDeleted(env: MultusEnv): Promise<void> {
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
}

for (const outage of ["refuse", "503", "hang"] as const) {
  Deno.test(`multus DEL with the API server down (${outage}) deletes every attachment from the scratch cache`, async () => {
    requireRoot();
    await using env = await multusEnv();
    const pod = await addedPod(env, `down-${outage}`, `ctr-down-${outage}`);
    await env.api.setOutage(outage);
    try {
      const del = await env.cni({ command: "DEL", pod, containerId: `ctr-down-${outage}` });
      assertEquals(del.code, 0, del.stdout + del.stderr);
      assertEquals(del.stdout, "");
    } finally {
      await env.api.setOutage(null);
    }
    await assertAllDeleted(env);
  });
}

Deno.test("multus DEL after the pod was deleted from the API deletes every attachment", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = await addedPod(env, "deleted", "ctr-deleted");
  env.api.deletePod("default", "deleted");
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-deleted" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await assertAllDeleted(env);
});

Deno.test("multus DEL after the pod was recreated (UID mismatch) still deletes from the cache", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = await addedPod(env, "reborn", "ctr-reborn");
  env.api.deletePod("default", "reborn");
  env.pod("reborn", { [NETWORKS]: "blue" });
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-reborn" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await assertAllDeleted(env);
});

Deno.test("multus DEL reports a delegate's DEL failure naming it, after deleting the others (ours: Go swallows it)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const record = env.recorderNad("default", "broken", {
    fail: { DEL: { code: 11, msg: "resource busy" } },
  });
  const pod = env.pod("brokendel", { [NETWORKS]: "blue, broken" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-broken" });
  assertEquals(add.code, 0, add.stdout + add.stderr);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-broken" });
  assertEquals(del.code, 1);
  const err = del.json as { code: number; msg: string };
  assertEquals(err.code, 11, "the delegate's own code");
  assertEquals(
    err.msg,
    'errors: DelegateDel: error invoking DelegateDel - "cnitest-record": error in getting result from DelNetwork: resource busy',
  );
  assertEquals(await names(env.netns.name), ["lo"], "the other delegates were deleted");
  assertEquals(await env.leases(), []);
  assertEquals((await recorded(record)).map((c) => c.command), ["ADD", "DEL"]);
});

Deno.test("multus DEL with the network namespace gone releases the addresses and succeeds", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const ns = await env.extraNetns();
  const pod = env.pod("nonetns", { [NETWORKS]: "blue" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-nonetns", netns: ns.path });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await env.leases(), ["blue/10.241.0.2", "cluster/10.240.0.2"]);
  await ns.remove();

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-nonetns", netns: ns.path });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

/** Adds a pod with the cluster network and a recorder NAD whose config changes after ADD. */
async function podWithChangedNad(env: MultusEnv, name: string, cid: string) {
  const record = env.recorderNad("default", "rec", { marker: "at-add" });
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod(name, { [NETWORKS]: "blue, rec" });
  const add = await env.cni({ command: "ADD", pod, containerId: cid });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  env.api.deleteNad("default", "rec");
  env.recorderNad("default", "rec", { marker: "in-api-now" });
  const delMarker = async () =>
    (await recorded(record)).filter((c) => c.command === "DEL").map((c) =>
      JSON.parse(c.stdin).marker
    );
  return { pod, delMarker };
}

Deno.test("multus DEL with a corrupt scratch cache and the pod present recomputes the delegates from the pod", async () => {
  requireRoot();
  await using env = await multusEnv();
  const { pod, delMarker } = await podWithChangedNad(env, "corrupt", "ctr-corrupt");
  await Deno.writeTextFile(`${env.cniDir}/ctr-corrupt`, '[{"Conf":');
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-corrupt" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await assertAllDeleted(env);
  assertEquals(await delMarker(), ["in-api-now"], "the NAD was read again");
});

Deno.test("multus DEL with a corrupt scratch cache and the pod gone deletes what the libcni result cache holds (ours: Go leaks, #1087)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const { pod, delMarker } = await podWithChangedNad(env, "corrupt2", "ctr-corrupt2");
  await Deno.writeTextFile(`${env.cniDir}/ctr-corrupt2`, "\u0000garbage");
  env.api.deletePod("default", "corrupt2");
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-corrupt2" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await assertAllDeleted(env);
  assertEquals(await delMarker(), ["at-add"], "the config cached at ADD");
});

Deno.test("multus DEL is idempotent and succeeds for a container it never added", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = await addedPod(env, "twice", "ctr-twice");
  for (let i = 0; i < 2; i++) {
    const del = await env.cni({ command: "DEL", pod, containerId: "ctr-twice" });
    assertEquals(del.code, 0, del.stdout + del.stderr);
    await assertAllDeleted(env);
  }
  env.api.deletePod("default", "twice");
  const never = await env.cni({ command: "DEL", pod, containerId: "ctr-never-added" });
  assertEquals(never.code, 0, never.stdout + never.stderr);
  if (testMode() === "thin") { // thick: the daemon logs to its own log
    assert(!(await Deno.readTextFile(env.logFile)).includes("[error]"), "no error logged");
    assertMatch(await Deno.readTextFile(env.logFile), /nothing to delete/);
  }
});
