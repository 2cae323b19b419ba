/**
 * Tests of the Multus plan facade: `planPodNetworks`, `decodeScratchCache`,
 * `defaultRouteActions`, `editCachedDefaultRoutes`, `buildNetworkStatus` and
 * `emptyResult` reach their engine operations, return the typed values and surface
 * errors as `CniError`, across every CNI version. The operations' behaviour in detail
 * is covered by the case files (`cases_test.ts`).
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  buildNetworkStatus,
  decodeScratchCache,
  defaultRouteActions,
  type DelegateConf,
  editCachedDefaultRoutes,
  emptyResult,
  type MultusConf,
  parseMultusConf,
  planPodNetworks,
} from "./multus.ts";
import { encodeCacheEntry } from "./mod.ts";
import { CniError } from "../cni/error.ts";
import { ALL_VERSIONS, type CniResult, type CniVersion } from "../cni/types.ts";

const NETNS = "/var/run/netns/pod1";

const conf: MultusConf = {
  cniVersion: "1.0.0",
  name: "multus-cni-network",
  type: "multus",
  kubeconfig: "",
  clusterNetwork: "cbr0",
  defaultNetworks: [],
  delegates: [],
  confDir: "/etc/cni/multus/net.d",
  cniDir: "/var/lib/cni/multus",
  binDir: "/opt/cni/bin",
  systemNamespaces: ["kube-system"],
  multusNamespace: "kube-system",
  namespaceIsolation: false,
  globalNamespaces: ["default"],
  readinessindicatorfile: "",
  logFile: "",
  logLevel: "",
  logToStderr: true,
  auxiliaryCNIChainName: "",
  retryDeleteOnError: false,
  runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80 }] },
  capabilities: {},
  daemonSocketDir: "/run/multus/",
  warnings: [],
};

const cluster: DelegateConf = {
  name: "cbr0",
  confName: "cbr0",
  type: "flannel",
  isConflist: true,
  bytes: '{"name":"cbr0","plugins":[{"type":"flannel"},{"type":"portmap"}]}',
};

function secondary(name: string, extra: Partial<DelegateConf> = {}): DelegateConf {
  const confName = name.split("/").pop() ?? name;
  return {
    name,
    confName,
    type: "macvlan",
    isConflist: false,
    bytes: JSON.stringify({ cniVersion: "0.3.1", name: confName, type: "macvlan" }),
    ...extra,
  };
}

function plan(delegates: DelegateConf[], command?: "ADD" | "DEL" | "CHECK") {
  return planPodNetworks({
    conf,
    containerId: "cid1",
    netns: NETNS,
    ifName: "eth0",
    cniArgs: "IgnoreUnknown=1;K8S_POD_NAMESPACE=test;K8S_POD_NAME=pod1",
    k8sArgs: { podNamespace: "test", podName: "pod1", podUid: "uid1", infraContainerId: "" },
    delegates,
    ...(command ? { command } : {}),
  });
}

function throwsCni(fn: () => unknown, code: number, msg: string): void {
  throws(fn, (err: unknown) => {
    ok(err instanceof CniError, `expected a CniError, got ${String(err)}`);
    strictEqual(err.code, code);
    strictEqual(err.message, msg);
    return true;
  });
}

/** One attachment with a default route, as a plugin would report it at `v`. */
function result(v: CniVersion): CniResult {
  if (v === "0.1.0" || v === "0.2.0") {
    return {
      cniVersion: v,
      ip4: {
        ip: "10.1.1.5/24",
        gateway: "10.1.1.1",
        routes: [{ dst: "0.0.0.0/0", gw: "10.1.1.1" }],
      },
      dns: {},
    };
  }
  const legacy = v.startsWith("0.");
  return {
    cniVersion: v,
    interfaces: [{ name: "net1", mac: "02:23:45:67:89:01", sandbox: NETNS }],
    ips: [{ ...(legacy ? { version: "4" as const } : {}), interface: 0, address: "10.1.1.5/24" }],
    routes: [{ dst: "0.0.0.0/0", gw: "10.1.1.1" }, { dst: "10.2.0.0/16", gw: "10.1.1.2" }],
  };
}

Deno.test("planPodNetworks() names interfaces, fills cniVersion and keeps runtime config on the master", () => {
  const got = plan([
    cluster,
    secondary("test/net-a"),
    secondary("test/net-b", { ifnameRequest: "ext0" }),
  ]);
  deepStrictEqual(got.delegates.map((d) => [d.ifName, d.isMaster]), [
    ["eth0", true],
    ["net1", false],
    ["ext0", false],
  ]);
  const [master, first] = got.delegates;
  strictEqual(master?.list.cniVersion, "1.0.0");
  strictEqual(JSON.parse(master?.list.bytes ?? "{}").cniVersion, "1.0.0");
  deepStrictEqual(master?.capabilityArgs, conf.runtimeConfig);
  deepStrictEqual(first?.capabilityArgs, {});
  deepStrictEqual(master?.args.slice(0, 3), [
    ["IgnoreUnknown", "true"],
    ["K8S_POD_NAMESPACE", "test"],
    ["K8S_POD_NAME", "pod1"],
  ]);
  strictEqual(master?.defaultRoute, undefined);
});

Deno.test("planPodNetworks() writes a scratch cache that decodeScratchCache() reads back", () => {
  const delegates = [
    cluster,
    secondary("test/net-a", { ipRequest: ["10.1.1.5/24"], gatewayRequest: ["10.1.1.1"] }),
  ];
  const got = plan(delegates);
  const cache = JSON.parse(got.scratchCache);
  strictEqual(cache[0].ConfList.plugins.length, 2);
  strictEqual(cache[1].IsFilterV6Gateway, true);
  const back = decodeScratchCache(got.scratchCache);
  deepStrictEqual(back.map((d) => [d.name, d.isConflist, d.type]), [
    ["cbr0", true, "flannel"],
    ["test/net-a", false, "macvlan"],
  ]);
  strictEqual(back[0]?.bytes, got.delegates[0]?.list.bytes);
  deepStrictEqual(back[1]?.gatewayRequest, ["10.1.1.1"]);
  deepStrictEqual(plan(back).delegates, got.delegates);
});

Deno.test("planPodNetworks() runs static delegates without a name under the Multus config's name, and DEL finds them in the scratch cache", () => {
  const parsed = parseMultusConf(JSON.stringify({
    cniVersion: "1.0.0",
    name: "multus-cni-network",
    type: "multus",
    delegates: [{ type: "bridge" }, { type: "macvlan", name: "" }],
  }));
  deepStrictEqual(parsed.warnings, [
    'delegates[0] (type "bridge") has no "name": it runs as network "multus-cni-network" (set "name" in the delegate to choose one)',
    'delegates[1] (type "macvlan") has no "name": it runs as network "multus-cni-network-1" (set "name" in the delegate to choose one)',
  ]);
  const got = plan(parsed.delegates);
  deepStrictEqual(got.delegates.map((d) => [d.name, d.list.name, JSON.parse(d.list.bytes).name]), [
    ["multus-cni-network", "multus-cni-network", "multus-cni-network"],
    ["multus-cni-network-1", "multus-cni-network-1", "multus-cni-network-1"],
  ]);
  const back = decodeScratchCache(got.scratchCache);
  deepStrictEqual(plan(back, "DEL").delegates.map((d) => d.list.name), [
    "multus-cni-network",
    "multus-cni-network-1",
  ]);
});

Deno.test("planPodNetworks() keeps libcni's 'missing network name' for a delegate loaded without one", () => {
  throwsCni(
    () => plan([{ ...secondary(""), bytes: '{"cniVersion":"1.0.0","type":"bridge"}' }]),
    7,
    'delegate "": missing network name',
  );
});

Deno.test("planPodNetworks() throws code 7 when two attachments want the same interface", () => {
  throwsCni(
    () =>
      plan([
        cluster,
        secondary("test/a", { ifnameRequest: "x" }),
        secondary("test/b", { ifnameRequest: "x" }),
      ]),
    7,
    'interface name "x" is requested by network "test/a" and by network "test/b"; each attachment needs its own name',
  );
});

Deno.test("planPodNetworks() throws Multus's ECMP error for two IPv4 gateways", () => {
  const delegates = [
    cluster,
    secondary("test/a", { gatewayRequest: ["10.1.1.1"] }),
    secondary("test/b", { gatewayRequest: ["10.2.2.1"] }),
  ];
  throwsCni(() => plan(delegates), 7, "multus does not support ECMP for default-route");
  strictEqual(plan(delegates, "DEL").delegates[1]?.defaultRoute, undefined);
});

Deno.test("planPodNetworks() adds MAC and IP for ADD only", () => {
  const delegates = [cluster, secondary("test/a", { macRequest: "02:23:45:67:89:01" })];
  deepStrictEqual(plan(delegates).delegates[1]?.args.at(-1), ["MAC", "02:23:45:67:89:01"]);
  deepStrictEqual(plan(delegates, "DEL").delegates[1]?.args.at(-1), ["K8S_POD_NAME", "pod1"]);
  throwsCni(
    () => plan([cluster, secondary("test/a", { macRequest: "nope" })]),
    7,
    'DelegateAdd: failed to parse mac address "nope"',
  );
});

Deno.test("decodeScratchCache() throws code 6 for a corrupt cache", () => {
  throwsCni(
    () => decodeScratchCache("[]"),
    6,
    "failed to load the cached delegates: the cache lists no delegates",
  );
});

for (const v of ALL_VERSIONS) {
  Deno.test(`defaultRouteActions() acts on a ${v} result of a delegate with default-route`, () => {
    const [, d] =
      plan([cluster, secondary("test/a", { gatewayRequest: ["10.1.1.254"] })]).delegates;
    ok(d);
    deepStrictEqual(defaultRouteActions({ delegate: d, result: result(v) }), {
      deleteV4: true,
      deleteV6: true,
      add: ["10.1.1.254"],
    });
  });

  Deno.test(`editCachedDefaultRoutes() moves the default route of a cached ${v} result`, () => {
    const text = encodeCacheEntry({
      containerId: "cid1",
      ifName: "net1",
      networkName: "net-a",
      configText: `{"cniVersion":"${v}","name":"net-a","type":"macvlan"}`,
      result: result(v),
    });
    const edited = JSON.parse(
      editCachedDefaultRoutes(text, { deleteV4: true, deleteV6: true, add: ["10.1.1.254"] }),
    );
    const routes = edited.result.routes ?? edited.result.ip4.routes;
    deepStrictEqual(routes.at(-1), { dst: "0.0.0.0/0", gw: "10.1.1.254" });
    strictEqual(routes.filter((r: { dst: string }) => r.dst === "0.0.0.0/0").length, 1);
    strictEqual(edited.networkName, "net-a");
  });

  Deno.test(`buildNetworkStatus() reports a ${v} result`, () => {
    const got = buildNetworkStatus([{
      name: "test/a",
      isDefault: false,
      ifName: "net1",
      result: result(v),
    }]);
    deepStrictEqual(got.events, [
      { type: "Normal", reason: "AddedInterface", message: "Add net1 [10.1.1.5/24] from test/a" },
    ]);
    if (v === "0.1.0" || v === "0.2.0") {
      deepStrictEqual(got.statuses, []);
      strictEqual(got.annotation, "[]");
      return;
    }
    const status = {
      name: "test/a",
      interface: "net1",
      ips: ["10.1.1.5"],
      mac: "02:23:45:67:89:01",
      dns: {},
      gateway: ["10.1.1.1"],
    };
    deepStrictEqual(got.statuses, [status]);
    strictEqual(got.annotation, `[${JSON.stringify(status, null, 4)}]`);
  });

  Deno.test(`emptyResult() answers in ${v}'s own layout`, () => {
    const got = emptyResult({ cniVersion: v, ifName: "eth0", netns: NETNS });
    strictEqual(got.cniVersion, v);
    if (v === "0.1.0" || v === "0.2.0") {
      deepStrictEqual(got.ip4, { ip: "0.0.0.0/0", gateway: "0.0.0.0" });
    } else {
      deepStrictEqual(got.interfaces, [{ name: "eth0", sandbox: NETNS }]);
      strictEqual(got.ips?.[0]?.address, "0.0.0.0/0");
    }
  });
}

Deno.test("editCachedDefaultRoutes() throws code 1 for a version Multus does not edit", () => {
  throwsCni(
    () =>
      editCachedDefaultRoutes('{"result":{"cniVersion":"0.9.0"}}', {
        deleteV4: true,
        deleteV6: false,
        add: [],
      }),
    1,
    "not supported version: 0.9.0",
  );
});
