/**
 * The CNI toolkit against real plugins, in network namespaces the tests create and
 * remove, exactly as Multus uses it (`src/cni/conflist.ts` over `src/cni/invoke.ts`).
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../support/assert.ts";
import {
  addNetwork,
  addNetworkList,
  checkNetworkList,
  delNetwork,
  delNetworkList,
  gcNetworkList,
  statusNetworkList,
} from "../../src/cni/conflist.ts";
import { CniError } from "../../src/cni/error.ts";
import { cachePath } from "../../src/cni/cache.ts";
import {
  createNetns,
  createVethParent,
  deleteHostLink,
  linkIn,
  requireRoot,
  routesIn,
  uniqueName,
} from "../support/netns.ts";
import { filesUnder, list, recorded, tempDir, testRuntime } from "../support/cni_runtime.ts";

const conf = (cid: string, netns: string, ifName = "eth0") => ({
  containerId: cid,
  netns,
  ifName,
  args: [["IgnoreUnknown", "1"], ["K8S_POD_NAME", "demo"]] as [string, string][],
  capabilityArgs: {},
});

for (const version of ["0.2.0", "0.3.1", "0.4.0", "1.0.0"]) {
  Deno.test(`addNetworkList() attaches bridge+host-local at ${version}; CHECK passes; DEL removes it`, async () => {
    requireRoot();
    await using ns = await createNetns();
    await using tmp = await tempDir();
    const bridge = uniqueName("cnibr");
    try {
      const net = list({
        cniVersion: version,
        name: "cnitestnet",
        type: "bridge",
        bridge,
        isGateway: true,
        ipam: {
          type: "host-local",
          subnet: "10.99.0.0/24",
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: `${tmp.path}/ipam`,
        },
      });
      const rt = testRuntime(`${tmp.path}/cache`);
      const c = conf("ctr1", ns.path);
      const result = await addNetworkList(net, c, rt);
      assertEquals(result.cniVersion, version);
      const eth0 = await linkIn(ns.name, "eth0");
      assert(eth0, "eth0 exists in the namespace");
      assertEquals(eth0.addr_info.filter((a) => a.family === "inet").map((a) => a.local), [
        "10.99.0.2",
      ]);
      assertEquals(
        (await routesIn(ns.name)).find((r) => r.dst === "default")?.gateway,
        "10.99.0.1",
      );
      const cacheFile = cachePath(rt.cacheDir, {
        networkName: "cnitestnet",
        containerId: "ctr1",
        ifName: "eth0",
      });
      const st = await Deno.stat(cacheFile);
      assertEquals(st.mode! & 0o777, 0o600);
      assertEquals((await Deno.stat(`${rt.cacheDir}/results`)).mode! & 0o777, 0o700);
      const cached = JSON.parse(await Deno.readTextFile(cacheFile));
      assertEquals(cached.kind, "cniCacheV1");
      assertEquals(cached.networkName, "cnitestnet");
      assertEquals(cached.cniArgs, [["IgnoreUnknown", "1"], ["K8S_POD_NAME", "demo"]]);
      if (version >= "0.4.0") await checkNetworkList(net, c, rt);
      await delNetworkList(net, c, rt);
      assertEquals(await linkIn(ns.name, "eth0"), undefined);
      assertEquals(await filesUnder(`${rt.cacheDir}/results`), []);
      assertEquals(
        (await filesUnder(`${tmp.path}/ipam/cnitestnet`)).filter((f) => /^\d/.test(f)),
        [],
        "host-local released the address",
      );
      await delNetworkList(net, c, rt); // DEL is idempotent
    } finally {
      await deleteHostLink(bridge);
    }
  });
}

Deno.test("addNetworkList() attaches macvlan on a veth parent; DEL removes it", async () => {
  requireRoot();
  await using ns = await createNetns();
  await using tmp = await tempDir();
  await using parent = await createVethParent();
  const net = list({
    cniVersion: "1.0.0",
    name: "cnitestmv",
    type: "macvlan",
    master: parent.name,
    mode: "bridge",
    ipam: { type: "host-local", subnet: "10.98.0.0/24", dataDir: `${tmp.path}/ipam` },
  });
  const rt = testRuntime(`${tmp.path}/cache`);
  const c = conf("ctr2", ns.path, "net1");
  const result = await addNetworkList(net, c, rt);
  assertEquals(result.interfaces?.[0]?.name, "net1");
  assertEquals((await linkIn(ns.name, "net1"))?.addr_info[0]?.local, "10.98.0.2");
  await checkNetworkList(net, c, rt);
  await delNetworkList(net, c, rt);
  assertEquals(await linkIn(ns.name, "net1"), undefined);
  assertEquals(await filesUnder(`${rt.cacheDir}/results`), []);
});

Deno.test("addNetworkList() attaches ptp; loopback brings lo up; DEL removes them", async () => {
  requireRoot();
  await using ns = await createNetns();
  await using tmp = await tempDir();
  const rt = testRuntime(`${tmp.path}/cache`);
  const ptp = list({
    cniVersion: "1.0.0",
    name: "cnitestptp",
    type: "ptp",
    ipam: { type: "host-local", subnet: "10.97.0.0/24", dataDir: `${tmp.path}/ipam` },
  });
  const lo = list({ cniVersion: "1.0.0", name: "cnitestlo", type: "loopback" });
  await addNetworkList(lo, conf("ctr3", ns.path, "lo"), rt);
  assertEquals((await linkIn(ns.name, "lo"))?.addr_info[0]?.local, "127.0.0.1");
  await addNetworkList(ptp, conf("ctr3", ns.path, "eth0"), rt);
  assertEquals((await linkIn(ns.name, "eth0"))?.addr_info[0]?.local, "10.97.0.2");
  await delNetworkList(ptp, conf("ctr3", ns.path, "eth0"), rt);
  await delNetworkList(lo, conf("ctr3", ns.path, "lo"), rt);
  assertEquals(await linkIn(ns.name, "eth0"), undefined);
  assertEquals(await filesUnder(`${rt.cacheDir}/results`), []);
});

Deno.test("addNetworkList() chains bridge -> tuning -> recorder; CHECK and DEL get the cached result", async () => {
  requireRoot();
  await using ns = await createNetns();
  await using tmp = await tempDir();
  const bridge = uniqueName("cnibr");
  try {
    const rec = `${tmp.path}/rec.jsonl`;
    const net = list({
      cniVersion: "1.0.0",
      name: "cnitestchain",
      plugins: [
        {
          type: "bridge",
          bridge,
          isGateway: true,
          ipam: { type: "host-local", subnet: "10.96.0.0/24", dataDir: `${tmp.path}/ipam` },
        },
        {
          type: "tuning",
          capabilities: { mac: true },
          sysctl: { "net.ipv4.conf.eth0.arp_filter": "1" },
        },
        {
          type: "cnitest-record",
          recordFile: rec,
          result: "PASSTHROUGH",
          capabilities: { bandwidth: true },
        },
      ],
    });
    const rt = testRuntime(`${tmp.path}/cache`);
    const c = { ...conf("ctr4", ns.path), capabilityArgs: { mac: "c2:11:22:33:44:55" } };
    const result = await addNetworkList(net, c, rt);
    assertEquals((await linkIn(ns.name, "eth0"))?.address, "c2:11:22:33:44:55");
    assertEquals(result.interfaces?.find((i) => i.name === "eth0")?.mac, "c2:11:22:33:44:55");
    const [add] = await recorded(rec);
    const stdin = JSON.parse(add!.stdin);
    assertEquals(stdin.name, "cnitestchain");
    assertEquals(stdin.cniVersion, "1.0.0");
    assertEquals(
      stdin.runtimeConfig,
      undefined,
      "bandwidth declared but not supplied -> no runtimeConfig",
    );
    assertEquals(stdin.prevResult.ips[0].address, "10.96.0.2/24");
    assertEquals(add!.env.CNI_ARGS, "IgnoreUnknown=1;K8S_POD_NAME=demo");
    await checkNetworkList(net, c, rt);
    await delNetworkList(net, c, rt);
    const calls = await recorded(rec);
    assertEquals(calls.map((r) => r.command), ["ADD", "CHECK", "DEL"]);
    assertEquals(
      JSON.parse(calls[1]!.stdin).prevResult.ips[0].address,
      "10.96.0.2/24",
      "CHECK gets the cached result",
    );
    assertEquals(
      JSON.parse(calls[2]!.stdin).prevResult.ips[0].address,
      "10.96.0.2/24",
      "DEL gets the cached result",
    );
    assertEquals(await linkIn(ns.name, "eth0"), undefined);
  } finally {
    await deleteHostLink(bridge);
  }
});

async function natRules(): Promise<string> {
  const out = await new Deno.Command("iptables", { args: ["-t", "nat", "-S"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("addNetworkList() chains bridge -> portmap: the DNAT rule exists after ADD and is gone after DEL", async () => {
  requireRoot();
  await using ns = await createNetns();
  await using tmp = await tempDir();
  const bridge = uniqueName("cnibr");
  try {
    const net = list({
      cniVersion: "1.0.0",
      name: "cnitestpm",
      plugins: [
        {
          type: "bridge",
          bridge,
          isGateway: true,
          ipam: { type: "host-local", subnet: "10.95.0.0/24", dataDir: `${tmp.path}/ipam` },
        },
        { type: "portmap", capabilities: { portMappings: true }, snat: true },
      ],
    });
    const rt = testRuntime(`${tmp.path}/cache`);
    const c = {
      ...conf("ctr5", ns.path),
      capabilityArgs: { portMappings: [{ containerPort: 80, hostPort: 18080, protocol: "tcp" }] },
    };
    const ours = (rules: string) => rules.split("\n").filter((l) => l.includes('id: \\"ctr5\\"'));
    try {
      await addNetworkList(net, c, rt);
      assertEquals(ours(await natRules()).length, 1, "portmap added its DNAT jump for ctr5");
      assertMatch(await natRules(), /--dport 18080 -j DNAT --to-destination 10\.95\.0\.2:80/);
    } finally {
      await delNetworkList(net, c, rt);
    }
    assertEquals(ours(await natRules()), []);
    assertEquals((await natRules()).includes("10.95.0.2:80"), false);
    assertEquals(await filesUnder(`${rt.cacheDir}/results`), []);
  } finally {
    await deleteHostLink(bridge);
  }
});

Deno.test("gcNetworkList() deletes stale cached attachments and forwards GC with the valid list", async () => {
  requireRoot();
  await using tmp = await tempDir();
  const rec = `${tmp.path}/rec.jsonl`;
  const net = list({
    cniVersion: "1.1.0",
    name: "cnitestgc",
    plugins: [{
      type: "cnitest-record",
      recordFile: rec,
      result: { ips: [{ address: "10.1.0.5/24" }] },
    }],
  });
  const rt = testRuntime(`${tmp.path}/cache`);
  await addNetworkList(net, conf("keep", "/var/run/netns/none", "eth0"), rt);
  await addNetworkList(net, conf("stale", "/var/run/netns/none", "eth0"), rt);
  await gcNetworkList(net, [{ containerID: "keep", ifname: "eth0" }], rt);
  const calls = await recorded(rec);
  assertEquals(calls.map((c) => `${c.command}:${c.env.CNI_CONTAINERID}`), [
    "ADD:keep",
    "ADD:stale",
    "DEL:stale",
    "GC:",
  ]);
  const gc = JSON.parse(calls[3]!.stdin);
  assertEquals(gc["cni.dev/valid-attachments"], [{ containerID: "keep", ifname: "eth0" }]);
  assertEquals(gc["cni.dev/attachments"], [{ containerID: "keep", ifname: "eth0" }]);
  assertEquals(await filesUnder(`${rt.cacheDir}/results`), ["cnitestgc-keep-eth0"]);
});

Deno.test("statusNetworkList() passes a plugin's code 50 through; below 1.1.0 nothing runs", async () => {
  requireRoot();
  await using tmp = await tempDir();
  const rec = `${tmp.path}/rec.jsonl`;
  const rt = testRuntime(`${tmp.path}/cache`);
  const plugin = {
    type: "cnitest-record",
    recordFile: rec,
    fail: { STATUS: { code: 50, msg: "delegate not ready" } },
  };
  const err = await assertRejects(
    () =>
      statusNetworkList(
        list({ cniVersion: "1.1.0", name: "cniteststatus", plugins: [plugin] }),
        rt,
      ),
    CniError,
  );
  assertEquals(err.code, 50);
  assertMatch(err.message, /failed \(status\): delegate not ready$/);
  await statusNetworkList(
    list({ cniVersion: "1.0.0", name: "cniteststatus", plugins: [plugin] }),
    rt,
  );
  assertEquals((await recorded(rec)).map((c) => c.command), ["STATUS"]);
});

Deno.test("addNetwork()/delNetwork() fail with the plugin's own error; the *NetworkList calls name the plugin, as libcni", async () => {
  requireRoot();
  await using tmp = await tempDir();
  const rec = `${tmp.path}/rec.jsonl`;
  const rt = testRuntime(`${tmp.path}/cache`);
  const plugin = {
    type: "cnitest-record",
    recordFile: rec,
    fail: { ADD: { code: 11, msg: "no free address" }, DEL: { code: 11, msg: "resource busy" } },
  };
  const l = list({ cniVersion: "1.0.0", name: "cnitestwords", plugins: [plugin] });
  const c = conf("ctr-words", "/var/run/netns/none");
  const single = await assertRejects(() => addNetwork(l, c, rt), CniError);
  assertEquals([single.code, single.message], [11, "no free address"]);
  const inList = await assertRejects(() => addNetworkList(l, c, rt), CniError);
  assertEquals(inList.message, 'plugin type="cnitest-record" failed (add): no free address');
  const del = await assertRejects(() => delNetwork(l, c, rt), CniError);
  assertEquals(del.message, "resource busy");
  const delList = await assertRejects(() => delNetworkList(l, c, rt), CniError);
  assertEquals(delList.message, 'plugin type="cnitest-record" failed (delete): resource busy');
});
