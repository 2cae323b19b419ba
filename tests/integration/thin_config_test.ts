/**
 * The thin plugin's Multus config keys end to end: `dist/bin/multus` run as kubelet runs
 * it, with real plugins in a pod namespace and the Kubernetes API double.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { linkIn, linksIn, requireRoot, uniqueName } from "../support/netns.ts";
import { filesUnder, recorded, TEST_CNI_BIN } from "../support/cni_runtime.ts";
import { DIST_BIN } from "../support/dist.ts";
import { type MultusEnv, multusEnv, NETWORKS } from "../support/multus_env.ts";
import { testMode } from "../support/test_mode.ts";

/** The IPv4 address of `ifname` in `ns`, or undefined. */
async function v4(ns: string, ifname: string): Promise<string | undefined> {
  return (await linkIn(ns, ifname))?.addr_info.find((a) => a.family === "inet")?.local;
}

/** Link names in `ns`, sorted. */
async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

/** A bridge + host-local plugin on a fresh bridge the fixture removes. */
function bridgePlugin(env: MultusEnv, subnet: string): Record<string, unknown> {
  return {
    type: "bridge",
    bridge: env.bridgeName(),
    ipam: { type: "host-local", subnet, dataDir: env.ipamDir },
  };
}

/** {@linkcode bridgePlugin} as a CNI 1.0.0 config named `name`. */
function bridgeConf(env: MultusEnv, name: string, subnet: string): Record<string, unknown> {
  return { cniVersion: "1.0.0", name, ...bridgePlugin(env, subnet) };
}

function message(out: { json?: unknown }): string {
  return String((out.json as { msg?: string } | undefined)?.msg);
}

Deno.test("multus delegates mode without a kubeconfig runs only the static delegates and reads no annotation", async () => {
  requireRoot();
  await using env = await multusEnv();
  const cluster = JSON.parse(await Deno.readTextFile(`${env.confDir}/10-cluster.conflist`));
  const second = { ...bridgeConf(env, "static2", "10.244.0.0/24"), cniVersion: "0.3.1" };
  const conf = env.conf({ kubeconfig: undefined, clusterNetwork: undefined });
  conf.delegates = [cluster, second];
  // The annotation names a NAD that does not exist: reading it would fail the ADD.
  const pod = env.pod("static", { [NETWORKS]: "missing" });
  env.api.clearLog();

  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-static", conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "eth0"), "10.240.0.2");
  assertEquals(await v4(env.netns.name, "net1"), "10.244.0.2");
  assertEquals(env.api.count(), 0, "no Kubernetes client: no API request at all");
  assertEquals(env.networkStatus(pod), undefined);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-static", conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(env.api.count(), 0);
});

Deno.test("multus static delegates without a name run as <multus name> and <multus name>-<index> (ours: the issue wins over libcni's check)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const conf = env.conf({ kubeconfig: undefined, clusterNetwork: undefined });
  conf.delegates = [
    { cniVersion: "1.0.0", ...bridgePlugin(env, "10.244.1.0/24") },
    { cniVersion: "1.0.0", name: "", ...bridgePlugin(env, "10.244.2.0/24") },
  ];
  const pod = env.pod("nameless");
  const cid = `ctr-${uniqueName("u")}`;

  const add = await env.cni({ command: "ADD", pod, containerId: cid, conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "eth0"), "10.244.1.2");
  assertEquals(await v4(env.netns.name, "net1"), "10.244.2.2");
  // Each network has its own host-local data dir and libcni result cache key.
  assertEquals((await env.leases()).sort(), [
    "multus-cni-network-1/10.244.2.2",
    "multus-cni-network/10.244.1.2",
  ]);
  assertEquals(await filesUnder(env.cniDir), [
    cid,
    `results/multus-cni-network-1-${cid}-net1`,
    `results/multus-cni-network-${cid}-eth0`,
  ]);
  if (testMode() === "thin") { // thick: the daemon logs elsewhere
    assertStringIncludes(
      await Deno.readTextFile(env.logFile),
      'delegates[1] (type "bridge") has no "name": it runs as network "multus-cni-network-1"',
    );
  }

  const del = await env.cni({ command: "DEL", pod, containerId: cid, conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("multus static delegates without a name appear under their derived names in network-status, and DEL without the scratch cache finds them", async () => {
  requireRoot();
  await using env = await multusEnv();
  const conf = env.conf({ clusterNetwork: undefined });
  conf.delegates = [
    { cniVersion: "1.0.0", ...bridgePlugin(env, "10.244.3.0/24") },
    { cniVersion: "1.0.0", ...bridgePlugin(env, "10.244.4.0/24") },
  ];
  const pod = env.pod("nameless-k8s");
  const cid = `ctr-${uniqueName("u")}`;

  const add = await env.cni({ command: "ADD", pod, containerId: cid, conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(env.networkStatus(pod)?.map((s) => [s.name, s.interface, s.ips]), [
    ["multus-cni-network", "eth0", ["10.244.3.2"]],
    ["multus-cni-network-1", "net1", ["10.244.4.2"]],
  ]);

  // Without the scratch cache, DEL recomputes the delegates from the config: same names.
  await Deno.remove(`${env.cniDir}/${cid}`);
  const del = await env.cni({ command: "DEL", pod, containerId: cid, conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("multus clusterNetwork names a NAD in multusNamespace (kube-system, or the one configured)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("kube-system", "podnet", "10.245.0.0/24");
  env.bridgeNad("infra", "podnet", "10.246.0.0/24");

  const pod = env.pod("nadcluster");
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-nad1",
    conf: env.conf({ clusterNetwork: "podnet" }),
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "eth0"), "10.245.0.2");
  assertEquals(env.networkStatus(pod)?.map((s) => [s.name, s.interface, s.default]), [
    ["kube-system/podnet", "eth0", true],
  ]);

  const other = await env.extraNetns();
  const pod2 = env.pod("nadcluster2");
  env.api.clearLog();
  const add2 = await env.cni({
    command: "ADD",
    pod: pod2,
    containerId: "ctr-nad2",
    netns: other.path,
    conf: env.conf({ clusterNetwork: "podnet", multusNamespace: "infra" }),
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals(await v4(other.name, "eth0"), "10.246.0.2");
  assertEquals(env.networkStatus(pod2)?.[0]?.name, "infra/podnet");
  assertEquals(
    env.api.requests({ verb: "get", resource: "network-attachment-definitions" })
      .map((r) => `${r.namespace}/${r.name}`),
    testMode() === "thin" ? ["infra/podnet"] : [], // thick: from the informer cache
  );
});

Deno.test("multus clusterNetwork names a config in confDir when no NAD has that name", async () => {
  requireRoot();
  await using env = await multusEnv();
  const confDir = `${env.root}/other.d`;
  await Deno.mkdir(confDir);
  await Deno.writeTextFile(
    `${confDir}/05-first.conf`,
    JSON.stringify(bridgeConf(env, "first", "10.247.1.0/24")),
  );
  await Deno.writeTextFile(
    `${confDir}/30-elsewhere.conf`,
    JSON.stringify(bridgeConf(env, "elsewhere", "10.247.0.0/24")),
  );
  const pod = env.pod("confdir");
  env.api.clearLog();
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-confdir",
    conf: env.conf({ clusterNetwork: "elsewhere", confDir }),
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "eth0"), "10.247.0.2");
  assertEquals(env.networkStatus(pod)?.map((s) => [s.name, s.default]), [["elsewhere", true]]);
  assertEquals(
    env.api.requests({ verb: "get", resource: "network-attachment-definitions" })
      .map((r) => [`${r.namespace}/${r.name}`, r.status]),
    [["kube-system/elsewhere", 404]],
    "the NAD is tried first",
  );
});

Deno.test("multus clusterNetwork as a directory uses its first .conf/.conflist in lexical order", async () => {
  requireRoot();
  await using env = await multusEnv();
  const dir = `${env.root}/cluster.d`;
  await Deno.mkdir(dir);
  await Deno.writeTextFile(`${dir}/00-notes.txt`, "not a config");
  await Deno.writeTextFile(
    `${dir}/20-b.conf`,
    JSON.stringify(bridgeConf(env, "b-net", "10.248.1.0/24")),
  );
  await Deno.writeTextFile(
    `${dir}/10-a.conflist`,
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "a-net",
      plugins: [bridgePlugin(env, "10.248.0.0/24")],
    }),
  );
  const pod = env.pod("dircluster");
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-dir",
    conf: env.conf({ clusterNetwork: dir }),
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "eth0"), "10.248.0.2");
  assertEquals(env.networkStatus(pod)?.map((s) => [s.name, s.default]), [["a-net", true]]);
});

Deno.test("multus clusterNetwork as a .conflist path appends its subdirectory's plugins (libcni chaining)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const dir = `${env.root}/chain`;
  await Deno.mkdir(`${dir}/chained`, { recursive: true });
  const record = `${env.root}/chain-record.jsonl`;
  const bridge = bridgePlugin(env, "10.249.0.0/24");
  await Deno.writeTextFile(
    `${dir}/main.conflist`,
    JSON.stringify({ cniVersion: "1.0.0", name: "chained", plugins: [bridge] }),
  );
  await Deno.writeTextFile(
    `${dir}/inline.conflist`,
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "chained",
      loadOnlyInlinedPlugins: true,
      plugins: [bridge],
    }),
  );
  await Deno.writeTextFile(
    `${dir}/chained/10-record.conf`,
    JSON.stringify({ type: "cnitest-record", recordFile: record, result: "PASSTHROUGH" }),
  );

  const pod = env.pod("chain");
  const conf = env.conf({ clusterNetwork: `${dir}/main.conflist` });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-chain", conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(
    (add.json as { ips: Array<{ address: string }> }).ips.map((i) => i.address),
    ["10.249.0.2/24"],
    "the chain's last plugin passed the bridge's result through",
  );
  const calls = await recorded(record);
  assertEquals(calls.map((c) => [c.command, c.env.CNI_IFNAME]), [["ADD", "eth0"]]);
  const stdin = JSON.parse(calls[0]!.stdin);
  assertEquals([stdin.name, stdin.cniVersion], ["chained", "1.0.0"], "name and version injected");
  assertEquals(stdin.prevResult.ips[0].address, "10.249.0.2/24", "chained after the bridge");

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-chain", conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await recorded(record)).map((c) => c.command), ["ADD", "DEL"]);
  assertEquals(await names(env.netns.name), ["lo"]);

  // loadOnlyInlinedPlugins: true keeps the subdirectory out.
  const other = await env.extraNetns();
  const add2 = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-chain2",
    netns: other.path,
    conf: env.conf({ clusterNetwork: `${dir}/inline.conflist` }),
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals((await recorded(record)).map((c) => c.command), ["ADD", "DEL"]);
  assertEquals(await v4(other.name, "eth0"), "10.249.0.3");
});

Deno.test("multus auxiliaryCNIChainName runs passthru plus the chain's plugins as the last delegate", async () => {
  requireRoot();
  await using env = await multusEnv();
  const dir = `${env.root}/aux`;
  await Deno.mkdir(`${dir}/sidecar`, { recursive: true });
  await Deno.copyFile(`${env.confDir}/10-cluster.conflist`, `${dir}/cluster.conflist`);
  const record = `${env.root}/aux-record.jsonl`;
  await Deno.writeTextFile(
    `${dir}/sidecar/10-record.conf`,
    JSON.stringify({ type: "cnitest-record", recordFile: record, result: "PASSTHROUGH" }),
  );
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("aux", { [NETWORKS]: "blue" });
  const conf = env.conf({
    clusterNetwork: `${dir}/cluster.conflist`,
    auxiliaryCNIChainName: "sidecar",
  });
  const cniEnv = { CNI_PATH: `${env.cniPath}:${DIST_BIN}` };

  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-aux", conf, env: cniEnv });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const calls = await recorded(record);
  assertEquals(calls.map((c) => [c.command, c.env.CNI_IFNAME]), [["ADD", "net2"]]);
  const stdin = JSON.parse(calls[0]!.stdin);
  assertEquals([stdin.name, stdin.cniVersion], ["sidecar", "1.0.0"]);
  // Go would print `"dns":{}` too; an empty result either way, and no prevResult at all
  // had passthru not run first.
  assertEquals(
    { ...stdin.prevResult, dns: undefined },
    { cniVersion: "1.0.0", dns: undefined },
    "passthru ran first",
  );
  assertEquals(
    env.networkStatus(pod)?.map((s) => s.name),
    ["cluster", "default/blue"],
    "an empty result adds no status entry",
  );

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-aux", conf, env: cniEnv });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await recorded(record)).map((c) => [c.command, c.env.CNI_IFNAME]), [
    ["ADD", "net2"],
    ["DEL", "net2"],
  ]);
  assertEquals(await names(env.netns.name), ["lo"]);

  // The chain needs clusterNetwork to be a path.
  const bad = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-aux2",
    conf: env.conf({ clusterNetwork: "cluster", auxiliaryCNIChainName: "sidecar" }),
    env: cniEnv,
  });
  assertEquals(bad.code, 1);
  assertEquals(
    message(bad),
    `Multus: [default/aux/${pod.uid}]: auxiliary chain used but ClusterNetwork must be a path, and it is not a path: cluster`,
  );
  assertEquals(await names(env.netns.name), ["lo"]);
});

Deno.test("multus defaultNetworks attach to pods outside systemNamespaces, before annotation networks", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("kube-system", "extra", "10.250.0.0/24");
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("infra", "blue", "10.241.1.0/24");
  const conf = env.conf({ defaultNetworks: ["extra"] });

  const app = env.pod("app", { [NETWORKS]: "blue" });
  const add = await env.cni({ command: "ADD", pod: app, containerId: "ctr-app", conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "net1"), "10.250.0.2");
  assertEquals(await v4(env.netns.name, "net2"), "10.241.0.2");
  assertEquals(env.networkStatus(app)?.map((s) => [s.name, s.interface]), [
    ["cluster", "eth0"],
    ["kube-system/extra", "net1"],
    ["default/blue", "net2"],
  ]);

  const sysNs = await env.extraNetns();
  const sys = env.pod("coredns", undefined, "kube-system");
  const add2 = await env.cni({
    command: "ADD",
    pod: sys,
    containerId: "ctr-sys",
    netns: sysNs.path,
    conf,
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals(await names(sysNs.name), ["eth0", "lo"], "kube-system is a system namespace");

  // A custom systemNamespaces list replaces the default one.
  const custom = env.conf({ defaultNetworks: ["extra"], systemNamespaces: ["infra"] });
  const infraNs = await env.extraNetns();
  const infra = env.pod("agent", { [NETWORKS]: "blue" }, "infra");
  const add3 = await env.cni({
    command: "ADD",
    pod: infra,
    containerId: "ctr-infra",
    netns: infraNs.path,
    conf: custom,
  });
  assertEquals(add3.code, 0, add3.stdout + add3.stderr);
  assertEquals(await names(infraNs.name), ["eth0", "lo", "net1"]);
  assertEquals(await v4(infraNs.name, "net1"), "10.241.1.2", "net1 is the annotation's network");
  const sysNs2 = await env.extraNetns();
  const sys2 = env.pod("proxy", undefined, "kube-system");
  const add4 = await env.cni({
    command: "ADD",
    pod: sys2,
    containerId: "ctr-sys2",
    netns: sysNs2.path,
    conf: custom,
  });
  assertEquals(add4.code, 0, add4.stdout + add4.stderr);
  assertEquals(await v4(sysNs2.name, "net1"), "10.250.0.3");
});

Deno.test("multus namespaceIsolation allows only the pod's namespace and globalNamespaces", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("team", "own", "10.251.0.0/24");
  env.bridgeNad("default", "shared", "10.251.1.0/24");
  env.bridgeNad("other", "foreign", "10.251.2.0/24");
  env.bridgeNad("kube-system", "alt", "10.251.3.0/24");
  const isolated = env.conf({ namespaceIsolation: true });

  // Own namespace and "default" are allowed; the default-network annotation is not checked.
  const ok = env.pod("ok", {
    [NETWORKS]: "own, default/shared",
    "v1.multus-cni.io/default-network": "kube-system/alt",
  }, "team");
  const add = await env.cni({ command: "ADD", pod: ok, containerId: "ctr-iso1", conf: isolated });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(env.networkStatus(ok)?.map((s) => s.name), [
    "kube-system/alt",
    "team/own",
    "default/shared",
  ]);

  const ns2 = await env.extraNetns();
  const bad = env.pod("bad", { [NETWORKS]: "own, other/foreign" }, "team");
  env.api.clearLog();
  const refused = await env.cni({
    command: "ADD",
    pod: bad,
    containerId: "ctr-iso2",
    netns: ns2.path,
    conf: isolated,
  });
  assertEquals(refused.code, 1);
  assertEquals((refused.json as { code: number }).code, 7);
  assertEquals(
    message(refused),
    `Multus: [team/bad/${bad.uid}]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace team but refers to target namespace other`,
  );
  assertEquals(env.api.count({ resource: "network-attachment-definitions", name: "foreign" }), 0);
  assertEquals(await names(ns2.name), ["lo"]);

  // globalNamespaces replaces the implied "default" (items trimmed).
  const globals = env.conf({ namespaceIsolation: true, globalNamespaces: " ops , other" });
  const add3 = await env.cni({
    command: "ADD",
    pod: bad,
    containerId: "ctr-iso3",
    netns: ns2.path,
    conf: globals,
  });
  assertEquals(add3.code, 0, add3.stdout + add3.stderr);
  assertEquals(await v4(ns2.name, "net2"), "10.251.2.2");
  const ns3 = await env.extraNetns();
  const def = env.pod("def", { [NETWORKS]: "default/shared" }, "team");
  const refused2 = await env.cni({
    command: "ADD",
    pod: def,
    containerId: "ctr-iso4",
    netns: ns3.path,
    conf: globals,
  });
  assertEquals(
    message(refused2),
    `Multus: [team/def/${def.uid}]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace team but refers to target namespace default`,
  );
});

Deno.test("multus ADD waits for readinessindicatorfile and goes on when it appears; DEL only warns", async () => {
  requireRoot();
  await using env = await multusEnv();
  const ready = `${env.root}/ready`;
  const conf = env.conf({ readinessindicatorfile: ready });
  const pod = env.pod("waiting");
  env.api.clearLog();
  const adding = env.cni({ command: "ADD", pod, containerId: "ctr-ready", conf });

  if (testMode() === "thin") {
    // The plugin logs once that it waits; until the file exists it touches nothing.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const log = await Deno.readTextFile(env.logFile).catch(() => "");
      if (log.includes(`waiting for readinessindicatorfile @ ${ready}`)) break;
      assert(Date.now() < deadline, `ADD never started waiting; log:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assertEquals(
      env.api.count({ resource: "pods" }),
      0,
      "the pod is not read before the file exists",
    );
  } else {
    // Thick: the daemon logs elsewhere; the ADD is still waiting a second later.
    const early = await Promise.race([
      adding.then(() => "finished"),
      new Promise((r) => setTimeout(() => r("waiting"), 1000)),
    ]);
    assertEquals(early, "waiting");
  }
  assertEquals(await names(env.netns.name), ["lo"]);
  await Deno.writeTextFile(ready, "");
  const add = await adding;
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "eth0"), "10.240.0.2");

  await Deno.remove(ready);
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-ready", conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await names(env.netns.name), ["lo"]);
  if (testMode() === "thin") {
    assertStringIncludes(
      await Deno.readTextFile(env.logFile),
      `warning: readinessindicatorfile @ ${ready} does not exist on CNI DEL`,
    );
  }
});

Deno.test("multus retryDeleteOnError keeps the scratch cache after a failed delegate DEL; without it the cache goes", async () => {
  requireRoot();
  await using env = await multusEnv();
  const record = env.recorderNad("default", "sticky", {
    fail: { DEL: { code: 11, msg: "device busy" } },
  });
  const pod = env.pod("sticky", { [NETWORKS]: "sticky" });
  const retry = env.conf({ retryDeleteOnError: true });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-retry", conf: retry });
  assertEquals(add.code, 0, add.stdout + add.stderr);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-retry", conf: retry });
  assertEquals(del.code, 1);
  assertStringIncludes(message(del), "device busy");
  assertEquals(await names(env.netns.name), ["lo"], "the cluster network was deleted anyway");
  assert(
    (await filesUnder(env.cniDir)).includes("ctr-retry"),
    "the scratch cache stays for the retry",
  );
  // The retry sees the same delegates.
  await env.api.deletePod("default", "sticky");
  const again = await env.cni({ command: "DEL", pod, containerId: "ctr-retry", conf: retry });
  assertEquals(again.code, 1);
  assertEquals((await recorded(record)).map((c) => [c.command, c.env.CNI_IFNAME]), [
    ["ADD", "net1"],
    ["DEL", "net1"],
    ["DEL", "net1"],
  ]);

  // Without retryDeleteOnError the failed DEL still removes the scratch cache.
  const ns2 = await env.extraNetns();
  const pod2 = env.pod("sticky2", { [NETWORKS]: "sticky" });
  const add2 = await env.cni({
    command: "ADD",
    pod: pod2,
    containerId: "ctr-noretry",
    netns: ns2.path,
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  const del2 = await env.cni({
    command: "DEL",
    pod: pod2,
    containerId: "ctr-noretry",
    netns: ns2.path,
  });
  assertEquals(del2.code, 1);
  assert(!(await filesUnder(env.cniDir)).includes("ctr-noretry"));
});

Deno.test("multus looks delegates up in binDir before CNI_PATH and keeps both caches in cniDir", async () => {
  requireRoot();
  await using env = await multusEnv();
  const binDir = `${env.root}/bin`;
  await Deno.mkdir(binDir);
  const marker = `${env.root}/bindir-used`;
  const wrapper = `${binDir}/cnitest-record`;
  await Deno.writeTextFile(
    wrapper,
    `#!/bin/sh\necho "$CNI_COMMAND" >>'${marker}'\nexec '${TEST_CNI_BIN}/cnitest-record'\n`,
  );
  await Deno.chmod(wrapper, 0o755);
  // Bridge and host-local still come from CNI_PATH.
  const record = env.recorderNad("default", "rec");
  const pod = env.pod("bins", { [NETWORKS]: "rec" });
  const cniDir = `${env.root}/othercache`;
  const conf = env.conf({ binDir, cniDir });
  const cid = `ctr-${uniqueName("b")}`;

  const add = await env.cni({ command: "ADD", pod, containerId: cid, conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await Deno.readTextFile(marker), "ADD\n", "the binDir copy ran");
  assertEquals((await recorded(record)).length, 1);
  assertEquals(await filesUnder(cniDir), [
    cid,
    `results/cluster-${cid}-eth0`,
    `results/rec-${cid}-net1`,
  ]);
  assertEquals(await filesUnder(env.cniDir), []);

  const del = await env.cni({ command: "DEL", pod, containerId: cid, conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await Deno.readTextFile(marker), "ADD\nDEL\n");
  assertEquals(await filesUnder(cniDir), []);
});
