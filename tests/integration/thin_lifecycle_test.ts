/**
 * ADD's pod checks (not found, UID mismatch, static pods), CHECK, STATUS and GC through
 * `dist/bin/multus` with real plugins and the API double.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { ip, linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, recorded } from "../support/cni_runtime.ts";
import { multusEnv, NETWORKS } from "../support/multus_env.ts";

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

function cniError(out: { json?: unknown }): { code: number; msg: string; details?: string } {
  return out.json as { code: number; msg: string; details?: string };
}

Deno.test("multus ADD for a pod the API does not know returns Multus's empty result and attaches nothing", async () => {
  requireRoot();
  await using env = await multusEnv();
  const ghost = { namespace: "default", name: "ghost", uid: "uid-ghost" };
  const add = await env.cni({ command: "ADD", pod: ghost, containerId: "ctr-ghost" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(add.json, {
    cniVersion: "1.0.0",
    interfaces: [{ name: "eth0", sandbox: env.netns.path }],
    ips: [{ address: "0.0.0.0/0", gateway: "0.0.0.0" }],
  });
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await filesUnder(env.cniDir), []);
  assertEquals(env.api.count({ verb: "get", resource: "pods" }), 1);
  assertEquals(env.api.count({ method: "PATCH" }), 0);
});

Deno.test("multus ADD fails with Multus's UID-mismatch message for a recreated pod", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("recreated");
  const stale = { ...pod, uid: "uid-of-the-old-pod" };
  const add = await env.cni({ command: "ADD", pod: stale, containerId: "ctr-uid" });
  assertEquals(add.code, 1);
  assertEquals(
    cniError(add).msg,
    `Multus: [default/recreated/uid-of-the-old-pod]: expected pod UID "uid-of-the-old-pod" but got "${pod.uid}" from Kube API`,
  );
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(env.networkStatus(pod), undefined);
});

Deno.test("multus ADD ignores a UID mismatch for a static pod (kubernetes.io/config.source: file)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("static-web", {
    "kubernetes.io/config.source": "file",
    [NETWORKS]: "blue",
  });
  const mirror = { ...pod, uid: "uid-from-the-manifest-hash" };
  const add = await env.cni({ command: "ADD", pod: mirror, containerId: "ctr-static" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await names(env.netns.name), ["eth0", "lo", "net1"]);
  assertEquals(env.networkStatus(pod)?.map((s) => s.name), ["cluster", "default/blue"]);
});

Deno.test("multus CHECK verifies every attached network, the cluster network included (ours: Go checks only static delegates)", async () => {
  requireRoot();
  await using env = await multusEnv();
  await env.macvlanNad("default", "mv", "10.242.0.0/24");
  const pod = env.pod("checked", { [NETWORKS]: "mv" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-check" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const ok = await env.cni({ command: "CHECK", pod, containerId: "ctr-check" });
  assertEquals(ok.code, 0, ok.stdout + ok.stderr);

  await ip("-n", env.netns.name, "link", "del", "net1");
  const bad = await env.cni({ command: "CHECK", pod, containerId: "ctr-check" });
  assertEquals(bad.code, 1);
  assertMatch(
    cniError(bad).msg,
    /^DelegateCheck: error invoking DelegateCheck - "macvlan": error in getting result from CheckNetwork: plugin type="macvlan" name="mv" failed \(check\): .*net1/,
  );

  // The cluster network is checked as well: lose eth0 in a second pod.
  const ns2 = await env.extraNetns();
  const pod2 = env.pod("checked2");
  const add2 = await env.cni({
    command: "ADD",
    pod: pod2,
    containerId: "ctr-check2",
    netns: ns2.path,
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  await ip("-n", ns2.name, "link", "del", "eth0");
  const bad2 = await env.cni({
    command: "CHECK",
    pod: pod2,
    containerId: "ctr-check2",
    netns: ns2.path,
  });
  assertEquals(bad2.code, 1);
  assertMatch(
    cniError(bad2).msg,
    /^DelegateCheck: error invoking ConflistCheck - "cluster": conflistCheck: error in getting result from CheckNetworkList: plugin type="bridge" failed \(check\): .*eth0/,
  );

  // A container Multus never added has nothing to check.
  const none = await env.cni({ command: "CHECK", pod, containerId: "ctr-never" });
  assertEquals(none.code, 1);
  assertEquals(cniError(none).code, 3);
});

Deno.test("multus STATUS asks the cluster delegate and passes its code 50 through", async () => {
  requireRoot();
  await using env = await multusEnv();
  const record = `${env.root}/status.jsonl`;
  const write = (fail: boolean) =>
    Deno.writeTextFile(
      `${env.root}/status.conf`,
      JSON.stringify({
        cniVersion: "1.1.0",
        name: "statusnet",
        type: "cnitest-record",
        recordFile: record,
        ...(fail ? { fail: { STATUS: { code: 50, msg: "the network is not ready" } } } : {}),
      }),
    );
  const pod = { namespace: "", name: "", uid: "" };
  const conf = env.conf({ cniVersion: "1.1.0", clusterNetwork: `${env.root}/status.conf` });

  await write(false);
  const ok = await env.cni({ command: "STATUS", pod, containerId: "", conf });
  assertEquals(ok.code, 0, ok.stdout + ok.stderr);
  await write(true);
  const down = await env.cni({ command: "STATUS", pod, containerId: "", conf });
  assertEquals(down.code, 1);
  assertEquals(cniError(down), {
    cniVersion: "1.1.0",
    code: 50,
    msg: 'plugin type="cnitest-record" name="statusnet" failed (status): the network is not ready',
  } as unknown);
  assertEquals((await recorded(record)).map((c) => c.command), ["STATUS", "STATUS"]);

  // A cluster delegate below 1.1.0 is not asked.
  const old = await env.cni({
    command: "STATUS",
    pod,
    containerId: "",
    conf: env.conf({ cniVersion: "1.1.0" }),
  });
  assertEquals(old.code, 0, old.stdout + old.stderr);
  // And STATUS needs a 1.1.0 config.
  const refused = await env.cni({ command: "STATUS", pod, containerId: "", conf: env.conf() });
  assertEquals([cniError(refused).code, cniError(refused).msg], [
    1,
    "config version does not allow STATUS",
  ]);
});

Deno.test("multus GC deletes the attachments of containers not in cni.dev/valid-attachments and sends GC to the cluster plugin (ours: Go only GCs the cluster network)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const record = `${env.root}/gc.jsonl`;
  const cluster = {
    cniVersion: "1.1.0",
    name: "gcnet",
    plugins: [{ type: "cnitest-record", recordFile: record }],
  };
  await Deno.writeTextFile(`${env.root}/gc.conflist`, JSON.stringify(cluster));
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const conf = env.conf({ cniVersion: "1.1.0", clusterNetwork: `${env.root}/gc.conflist` });
  const live = env.pod("live", { [NETWORKS]: "blue" });
  const gone = env.pod("gone", { [NETWORKS]: "blue" });
  const goneNs = await env.extraNetns();
  for (
    const [pod, cid, netns] of [[live, "ctr-live", env.netns.path], [
      gone,
      "ctr-gone",
      goneNs.path,
    ]] as const
  ) {
    const add = await env.cni({ command: "ADD", pod, containerId: cid, netns, conf });
    assertEquals(add.code, 0, add.stdout + add.stderr);
  }
  assertEquals(await env.leases(), ["blue/10.241.0.2", "blue/10.241.0.3"]);

  // The runtime removed the stale sandbox; its addresses are still held.
  await goneNs.remove();
  const valid = [{ containerID: "ctr-live", ifname: "eth0" }];
  const gc = await env.cni({
    command: "GC",
    pod: { namespace: "", name: "", uid: "" },
    containerId: "",
    conf: { ...conf, "cni.dev/valid-attachments": valid },
  });
  assertEquals(gc.code, 0, gc.stdout + gc.stderr);
  assertEquals(await env.leases(), ["blue/10.241.0.2"], "host-local released the stale address");
  assertEquals(await names(env.netns.name), ["lo", "net1"], "the live pod keeps its network");
  assertEquals(await filesUnder(env.cniDir), [
    "ctr-live",
    "results/blue-ctr-live-net1",
    "results/gcnet-ctr-live-eth0",
  ]);
  const calls = await recorded(record);
  assertEquals(calls.map((c) => [c.command, c.env.CNI_CONTAINERID]), [
    ["ADD", "ctr-live"],
    ["ADD", "ctr-gone"],
    ["DEL", "ctr-gone"],
    ["GC", ""],
  ]);
  const gcIn = JSON.parse(calls[3]!.stdin);
  assertEquals(gcIn.name, "gcnet");
  assert(Array.isArray(gcIn["cni.dev/valid-attachments"]));
  assertEquals(
    gcIn["cni.dev/valid-attachments"].map((a: { containerID: string; ifname: string }) =>
      `${a.containerID}/${a.ifname}`
    ).sort(),
    ["ctr-live/eth0", "ctr-live/net1"],
  );
});
