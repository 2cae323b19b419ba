/**
 * Hot-plug end to end (`dynamicNetworks: true`): the real daemon sees a running pod's
 * networks annotation change in the API double and adds or removes real plugins'
 * interfaces in the pod's network namespace, with network-status and events.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, TEST_CNI_BIN } from "../support/cni_runtime.ts";
import { type DaemonEnv, daemonEnv } from "../support/daemon_env.ts";
import { NETWORKS, type TestPod } from "../support/multus_env.ts";
import { waiter } from "../support/eventually.ts";

const DEFAULT_NETWORK = "v1.multus-cni.io/default-network";

const wait = waiter({ ms: 60_000, pollMs: 100 });

/** Waits for `check`; on a timeout the error carries the daemon's recent log. */
function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  env?: DaemonEnv,
  ms?: number,
): Promise<void> {
  return wait(what, check, ms, env ? () => env.daemon.log().slice(-6000) : undefined);
}

function annotate(env: DaemonEnv, pod: TestPod, annotations: Record<string, string | null>): void {
  env.api.updatePod(pod.namespace, pod.name, (p) => {
    const a = { ...(p.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete a[k];
      else a[k] = v;
    }
    p.metadata.annotations = a;
  });
}

async function addrs(env: DaemonEnv): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const l of await linksIn(env.netns.name)) {
    if (l.ifname === "lo") continue;
    out[l.ifname] = l.addr_info.find((a) => a.family === "inet")?.local;
  }
  return out;
}

function statusNames(env: DaemonEnv, pod: TestPod): string[] {
  return (env.networkStatus(pod) ?? []).map((s) => `${s.name}:${s.interface ?? ""}`);
}

function eventCount(env: DaemonEnv, name: string, reason: string): number {
  return env.api.events({ objectName: name, reason })
    .reduce((n, e) => n + Number((e as { count?: number }).count ?? 1), 0);
}

function eventMessages(env: DaemonEnv, name: string, reason: string): string[] {
  return env.api.events({ objectName: name, reason }).map((e) =>
    String((e as { message?: string }).message)
  );
}

async function running(env: DaemonEnv, name: string, annotations?: Record<string, string>) {
  const pod = env.pod(name, annotations);
  const add = await env.shim({ command: "ADD", pod, containerId: `ctr-${name}` });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  return pod;
}

Deno.test("hot-plug: two networks added to a running pod, then one removed", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { dynamicNetworks: true } });
  env.bridgeNad("default", "blue", "10.245.0.0/24");
  env.bridgeNad("default", "red", "10.246.0.0/24");
  const pod = await running(env, "hp");
  assertEquals(await addrs(env), { eth0: "10.240.0.2" });

  annotate(env, pod, { [NETWORKS]: "blue, red@red1" });
  await eventually("net1 and red1 in the pod", async () => {
    const a = await addrs(env);
    return a.net1 === "10.245.0.2" && a.red1 === "10.246.0.2";
  }, env);
  await eventually("network-status with both", () =>
    JSON.stringify(statusNames(env, pod)) ===
      JSON.stringify(["cluster:eth0", "default/blue:net1", "default/red:red1"]), env);
  await eventually("AddedInterface events", () => {
    const m = eventMessages(env, "hp", "AddedInterface");
    return m.some((x) => x.startsWith("Add net1 [10.245.0.2/24] from default/blue")) &&
      m.some((x) => x.startsWith("Add red1 [10.246.0.2/24] from default/red"));
  }, env);
  assert((await env.leases()).some((l) => l.endsWith("/10.245.0.2")));

  annotate(env, pod, { [NETWORKS]: "red@red1" });
  await eventually("net1 gone", async () => !("net1" in await addrs(env)), env);
  assertEquals(await addrs(env), { eth0: "10.240.0.2", red1: "10.246.0.2" });
  await eventually("network-status without blue", () =>
    JSON.stringify(statusNames(env, pod)) ===
      JSON.stringify(["cluster:eth0", "default/red:red1"]), env);
  await eventually(
    "RemovedInterface event",
    () => eventMessages(env, "hp", "RemovedInterface").includes("Remove net1 from default/blue"),
    env,
  );
  assertEquals((await env.leases()).some((l) => l.endsWith("/10.245.0.2")), false, "lease freed");

  // Added again, it gets a name and address again; the pod's DEL removes everything.
  annotate(env, pod, { [NETWORKS]: "red@red1, blue" });
  await eventually("blue back", async () => (await addrs(env)).net1 !== undefined, env);
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-hp" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("hot-plug: a NAD that fails leaves the pod as it was, warns once and does not loop", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { dynamicNetworks: true } });
  env.bridgeNad("default", "blue", "10.245.0.0/24");
  env.recorderNad("default", "broken", {
    fail: { ADD: { code: 11, msg: "broken plugin: no capacity" } },
  });
  const pod = await running(env, "bad");
  const before = JSON.stringify(env.networkStatus(pod));

  annotate(env, pod, { [NETWORKS]: "blue, broken" });
  await eventually("the Warning", () => eventCount(env, "bad", "HotplugFailed") > 0, env);
  const warning = eventMessages(env, "bad", "HotplugFailed")[0]!;
  assertStringIncludes(warning, "broken plugin: no capacity");
  assertEquals(await addrs(env), { eth0: "10.240.0.2" }, "blue rolled back");
  assertEquals(JSON.stringify(env.networkStatus(pod)), before);
  assertEquals((await env.leases()).some((l) => l.includes("10.245.")), false);

  // Unrelated updates of the pod do not retry it; the next change of the annotation runs.
  env.api.updatePod("default", "bad", (p) => {
    p.metadata.labels = { touched: "1" };
  });
  annotate(env, pod, { [NETWORKS]: "blue" });
  await eventually(
    "blue added by the next change",
    async () => (await addrs(env)).net1 !== undefined,
    env,
  );
  assertEquals(eventCount(env, "bad", "HotplugFailed"), 1);
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-bad" })).code, 0);
  assertEquals(await env.leases(), []);
});

Deno.test("hot-plug: the pod's DEL during a hot-plug wins and cleans everything", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { dynamicNetworks: true } });
  env.bridgeNad("default", "blue", "10.245.0.0/24");
  const record = env.recorderNad("default", "slow", { sleep: { ADD: 3 } });
  const pod = await running(env, "gone");

  annotate(env, pod, { [NETWORKS]: "blue, slow" });
  await eventually(
    "the slow plugin's ADD started",
    async () => (await Deno.readTextFile(record).catch(() => "")).includes('"command":"ADD"'),
    env,
  );
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-gone" });
  assertEquals(del.code, 0, del.stdout + del.stderr + env.daemon.log());
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
  const calls = (await Deno.readTextFile(record)).trim().split("\n").map((l) =>
    JSON.parse(l).command
  );
  assertEquals(calls[0], "ADD");
  assert(calls.includes("DEL"), `the slow attachment was deleted: ${calls}`);
  assertEquals(
    eventMessages(env, "gone", "AddedInterface").some((m) => m.startsWith("Add net1")),
    false,
    "no AddedInterface for a hot-plug that was stopped",
  );
});

Deno.test("hot-plug: a change made while the daemon was down is applied after its restart", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { dynamicNetworks: true } });
  env.bridgeNad("default", "blue", "10.245.0.0/24");
  const pod = await running(env, "later", { [NETWORKS]: "blue@b0" });
  assertEquals(await addrs(env), { eth0: "10.240.0.2", b0: "10.245.0.2" });
  assertEquals(await env.daemon.stop("SIGTERM"), 0);

  env.bridgeNad("default", "red", "10.246.0.0/24");
  annotate(env, pod, { [NETWORKS]: "red" });
  await env.startDaemon({ config: { dynamicNetworks: true } });
  await eventually("red in, blue out", async () => {
    const a = await addrs(env);
    return a.net1 === "10.246.0.2" && a.b0 === undefined;
  }, env);
  await eventually("network-status", () =>
    JSON.stringify(statusNames(env, pod)) ===
      JSON.stringify(["cluster:eth0", "default/red:net1"]), env);
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-later" })).code, 0);
  assertEquals(await env.leases(), []);
});

Deno.test("hot-plug: cluster network, default-route, renames and unknown sandboxes are refused with a Warning", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { dynamicNetworks: true } });
  env.bridgeNad("default", "blue", "10.245.0.0/24");
  env.bridgeNad("kube-system", "other", "10.247.0.0/24");
  const pod = await running(env, "fixed", { [NETWORKS]: "blue@b0" });
  const refusals = () => eventMessages(env, "fixed", "HotplugRefused");

  annotate(env, pod, { [NETWORKS]: "blue@b1" });
  await eventually("rename refused", () => refusals().some((m) => m.includes("renamed")), env);
  annotate(env, pod, {
    [NETWORKS]: '[{"name":"blue","interface":"b0","default-route":["10.245.0.1"]}]',
  });
  await eventually(
    "default-route refused",
    () => refusals().some((m) => m.includes("default-route")),
    env,
  );
  annotate(env, pod, { [NETWORKS]: "blue@b0", [DEFAULT_NETWORK]: "kube-system/other" });
  await eventually(
    "cluster network refused",
    () => refusals().some((m) => m.includes("cluster network")),
    env,
  );
  assertEquals(await addrs(env), { eth0: "10.240.0.2", b0: "10.245.0.2" }, "nothing changed");

  // A pod running elsewhere (set up without this daemon) changes its networks.
  const stranger = env.pod("stranger", { "k8s.v1.cni.cncf.io/network-status": "[]" });
  annotate(env, stranger, { [NETWORKS]: "blue" });
  await eventually(
    "unknown sandbox refused",
    () => eventMessages(env, "stranger", "HotplugRefused").some((m) => m.includes("unknown")),
    env,
  );
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-fixed" })).code, 0);
});

Deno.test("hot-plug: /delegate takes multus-dynamic-networks-controller's request with its interface attributes", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { dynamicNetworks: true } });
  const pod = await running(env, "ctl");
  const recordFile = `${env.root}/delegate-record.jsonl`;
  const config = {
    cniVersion: "1.0.0",
    name: "ctlnet",
    type: "cnitest-record",
    recordFile,
    capabilities: { ips: true, mac: true },
  };
  // The controller's request (Multus `CreateDelegateRequest`): the NAD's config, the
  // sandbox's netns from the CRI, CNI_ARGS with namespace, name and UID only.
  const request = (command: string) =>
    JSON.stringify({
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: "ctr-ctl",
        CNI_NETNS: env.netns.path,
        CNI_IFNAME: "net7",
        // the test plugin is not in the daemon's binDir
        CNI_PATH: TEST_CNI_BIN,
        CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=ctl;K8S_POD_UID=${pod.uid}`,
      },
      config: btoa(JSON.stringify(config)),
      interfaceAttributes: {
        ips: ["10.9.9.9/24"],
        mac: "02:00:00:00:09:09",
        "cni-args": { foo: "bar" },
      },
    });
  const add = await env.request("POST", "/delegate", request("ADD"));
  assertEquals(add.status, 200, add.body);
  assert("Result" in JSON.parse(add.body));
  const del = await env.request("POST", "/delegate", request("DEL"));
  assertEquals(del.status, 200, del.body);
  const calls = (await Deno.readTextFile(recordFile)).trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(calls.map((c) => c.command), ["ADD", "DEL"]);
  const stdin = JSON.parse(calls[0].stdin);
  assertEquals(stdin.runtimeConfig, { ips: ["10.9.9.9/24"], mac: "02:00:00:00:09:09" });
  assertEquals(stdin.args?.cni?.foo, "bar");
  assertEquals(calls[0].env.CNI_IFNAME, "net7");
  assertStringIncludes(calls[0].env.CNI_ARGS, "K8S_POD_NAME=ctl");
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-ctl" })).code, 0);
});
