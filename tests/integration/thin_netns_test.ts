/**
 * Every form of `CNI_NETNS` a runtime passes (issue 10, points 1 and 2): a bind-mounted
 * `/var/run/netns/<name>` (what `ip netns add` and containerd make), `/proc/<pid>/ns/net`
 * of a live process (cri-dockerd and others), a path that does not exist, and `""`; and
 * the runtime's own (host) namespace, which is refused with code 8 before any delegate
 * runs. Through `dist/bin/multus` with real plugins (rerun through shim + daemon by
 * `thick_rerun_test.ts`).
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { hostLinkExists, linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, recorded } from "../support/cni_runtime.ts";
import { type MultusEnv, multusEnv, NETWORKS, type TestPod } from "../support/multus_env.ts";
import { processInNetns, processInOwnNetns } from "../support/netns_process.ts";

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

/** A pod on the cluster network plus a bridge NAD and a recorder NAD. */
function pod(env: MultusEnv, name: string): { pod: TestPod; record: string } {
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const record = env.recorderNad("default", "rec");
  return { pod: env.pod(name, { [NETWORKS]: "blue, rec" }), record };
}

/** Nothing of the pod is left: no lease, no cache entry. */
async function assertReleased(env: MultusEnv): Promise<void> {
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
}

for (const form of ["/proc/<pid>/ns/net", "/var/run/netns/<name>"] as const) {
  Deno.test(`multus ADD, CHECK and DEL with CNI_NETNS=${form}`, async () => {
    requireRoot();
    await using env = await multusEnv();
    await using proc = await processInNetns(env.netns.name);
    const netns = form === "/var/run/netns/<name>" ? env.netns.path : proc.path;
    const { pod: p, record } = pod(env, "formns");
    const call = { pod: p, containerId: "ctr-formns", netns };

    const add = await env.cni({ command: "ADD", ...call });
    assertEquals(add.code, 0, add.stdout + add.stderr);
    assertEquals(await names(env.netns.name), ["eth0", "lo", "net1"]);
    assertEquals(await env.leases(), ["blue/10.241.0.2", "cluster/10.240.0.2"]);

    const check = await env.cni({ command: "CHECK", ...call });
    assertEquals(check.code, 0, check.stdout + check.stderr);

    const del = await env.cni({ command: "DEL", ...call });
    assertEquals(del.code, 0, del.stdout + del.stderr);
    assertEquals(del.stdout, "");
    assertEquals(await names(env.netns.name), ["lo"]);
    await assertReleased(env);
    const calls = await recorded(record);
    assertEquals(calls.map((c) => c.command), ["ADD", "CHECK", "DEL"]);
    assertEquals(calls.map((c) => c.env.CNI_NETNS), [netns, netns, netns]);
  });
}

Deno.test("multus DEL with CNI_NETNS=/proc/<pid>/ns/net after the process is gone succeeds and releases the leases", async () => {
  requireRoot();
  await using env = await multusEnv();
  const proc = await processInOwnNetns();
  const { pod: p, record } = pod(env, "gonepid");
  const call = { pod: p, containerId: "ctr-gonepid", netns: proc.path };
  try {
    const add = await env.cni({ command: "ADD", ...call });
    assertEquals(add.code, 0, add.stdout + add.stderr);
    assertEquals(await env.leases(), ["blue/10.241.0.2", "cluster/10.240.0.2"]);
  } finally {
    await proc.kill();
  }
  for (let i = 0; i < 2; i++) { // StopPodSandbox's DEL, then RemovePodSandbox's
    const del = await env.cni({ command: "DEL", ...call });
    assertEquals(del.code, 0, del.stdout + del.stderr);
    await assertReleased(env);
  }
  const dels = (await recorded(record)).filter((c) => c.command === "DEL");
  assert(dels.length > 0);
  assertEquals(
    dels.filter((c) => c.env.CNI_NETNS !== ""),
    [],
    'a namespace that is gone is passed as ""',
  );
});

Deno.test("multus ADD with a CNI_NETNS that does not exist fails naming the path; DEL then has nothing to do", async () => {
  requireRoot();
  await using env = await multusEnv();
  const { pod: p, record } = pod(env, "nopath");
  const missing = `/var/run/netns/cnitest-missing-${crypto.randomUUID().slice(0, 8)}`;
  const call = { pod: p, containerId: "ctr-nopath", netns: missing };

  const add = await env.cni({ command: "ADD", ...call });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  assertStringIncludes((add.json as { msg: string }).msg, missing);
  assertEquals(await env.leases(), []);
  assertEquals(await recorded(record), [], "no delegate ran");

  const del = await env.cni({ command: "DEL", ...call });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(del.stdout, "");
  await assertReleased(env);
});

Deno.test('multus ADD with CNI_NETNS="" is refused (code 4); DEL with it gives the delegates CNI_NETNS="" and releases the leases', async () => {
  requireRoot();
  await using env = await multusEnv();
  const { pod: p, record } = pod(env, "emptyns");
  const refused = await env.cni({
    command: "ADD",
    pod: p,
    containerId: "ctr-emptyns",
    netns: "",
  });
  assertEquals(refused.code, 1, refused.stdout + refused.stderr);
  assertEquals(refused.json, { code: 4, msg: "required env variables [CNI_NETNS] missing" });
  assertEquals(await recorded(record), []);

  const add = await env.cni({ command: "ADD", pod: p, containerId: "ctr-emptyns" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const del = await env.cni({ command: "DEL", pod: p, containerId: "ctr-emptyns", netns: "" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  await assertReleased(env);
  const dels = (await recorded(record)).filter((c) => c.command === "DEL");
  assertEquals(dels.map((c) => c.env.CNI_NETNS), [""]);
});

for (const host of ["/proc/self/ns/net", "/proc/<test process>/ns/net", "/proc/1/ns/net"]) {
  Deno.test(`multus ADD and DEL with the runtime's own namespace (${host}) are refused with code 8; nothing is created on the host`, async () => {
    requireRoot();
    await using env = await multusEnv();
    const { pod: p, record } = pod(env, "hostns");
    const netns = host.replace("<test process>", String(Deno.pid));
    for (const command of ["ADD", "DEL"] as const) {
      const out = await env.cni({ command, pod: p, containerId: "ctr-hostns", netns });
      assertEquals(out.code, 1, out.stdout + out.stderr);
      const err = out.json as { code: number; msg: string; details?: string };
      assertEquals(err.code, 8, out.stdout);
      assertStringIncludes(`${err.msg} ${err.details ?? ""}`, JSON.stringify(netns));
    }
    assertEquals(await recorded(record), [], "no delegate ran");
    assert(!(await hostLinkExists(env.clusterBridge)), "no bridge on the host");
    await assertReleased(env);
  });
}

Deno.test("multus GC (which takes no namespace) releases a container added with CNI_NETNS=/proc/<pid>/ns/net once its process is gone", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const p = env.pod("gcpid", { [NETWORKS]: "blue" });
  const conf = env.conf({ cniVersion: "1.1.0" });
  const proc = await processInOwnNetns();
  try {
    const add = await env.cni({
      command: "ADD",
      pod: p,
      containerId: "ctr-gcpid",
      netns: proc.path,
      conf,
    });
    assertEquals(add.code, 0, add.stdout + add.stderr);
    assertEquals(await env.leases(), ["blue/10.241.0.2", "cluster/10.240.0.2"]);
  } finally {
    await proc.kill();
  }
  const gc = await env.cni({
    command: "GC",
    pod: { namespace: "", name: "", uid: "" },
    containerId: "",
    netns: "",
    conf: { ...conf, "cni.dev/valid-attachments": [] },
  });
  assertEquals(gc.code, 0, gc.stdout + gc.stderr);
  await assertReleased(env);
});
