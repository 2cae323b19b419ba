/**
 * Tests of the Multus config facade: `parseMultusConf`, `loadDelegate`,
 * `parseNetworkSelections`, `parseDefaultNetworkAnnotation`, `podNetworkRequests`,
 * `nadConfig`, `lookupConfFile`, `parseK8sArgs` and `chainConflist` reach their engine
 * operations, return the typed values and surface errors as `CniError` (code, message
 * and details), across every CNI version. The operations' behaviour in detail is
 * covered by the case files (`cases_test.ts`).
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  chainConflist,
  loadDelegate,
  lookupConfFile,
  nadConfig,
  parseDefaultNetworkAnnotation,
  parseK8sArgs,
  parseMultusConf,
  parseNetworkSelections,
  podNetworkRequests,
} from "./multus.ts";
import { CniError } from "../cni/error.ts";
import { ALL_VERSIONS, type CniVersion } from "../cni/types.ts";

function throwsCni(fn: () => unknown, code: number, msg: string, details?: string): void {
  throws(fn, (err: unknown) => {
    ok(err instanceof CniError, `expected a CniError, got ${String(err)}`);
    strictEqual(err.code, code);
    strictEqual(err.message, msg);
    if (details !== undefined) strictEqual(err.details, details);
    return true;
  });
}

/** A prevResult as a plugin of version `v` would have written it. */
function prevResult(v: CniVersion): Record<string, unknown> {
  if (v === "0.1.0" || v === "0.2.0") {
    return { ip4: { ip: "10.1.0.5/16", gateway: "10.1.0.1" } };
  }
  const legacy = v.startsWith("0.");
  return {
    interfaces: [{ name: "eth0", sandbox: "/var/run/netns/x" }],
    ips: [{ ...(legacy ? { version: "4" } : {}), address: "10.1.0.5/16", interface: 0 }],
  };
}

for (const v of ALL_VERSIONS) {
  Deno.test(`parseMultusConf() loads a ${v} thin config with its prevResult and delegates`, () => {
    const delegate = { cniVersion: v, name: "flannel.1", type: "flannel" };
    const conf = parseMultusConf(JSON.stringify({
      cniVersion: v,
      name: "multus-cni-network",
      type: "multus",
      prevResult: prevResult(v),
      delegates: [delegate],
    }));
    strictEqual(conf.cniVersion, v);
    strictEqual(conf.confDir, "/etc/cni/multus/net.d");
    deepStrictEqual(conf.globalNamespaces, ["default"]);
    deepStrictEqual(conf.delegates, [{
      name: "flannel.1",
      confName: "flannel.1",
      type: "flannel",
      isConflist: false,
      bytes: JSON.stringify(delegate),
    }]);
  });

  Deno.test(`chainConflist() builds a ${v} auxiliary chain`, () => {
    const got = chainConflist({
      auxChain: { cniVersion: v, name: "aux" },
      extraPlugins: [{ name: "10-sbr.conf", text: '{"type":"sbr"}' }],
    });
    strictEqual(got.pluginCount, 2);
    strictEqual(got.name, "aux");
    deepStrictEqual(JSON.parse(got.configText), {
      cniVersion: v,
      name: "aux",
      plugins: [{ name: "passthru-cni", type: "passthru" }, { type: "sbr" }],
    });
  });

  Deno.test(`loadDelegate() injects a device into every plugin of a ${v} conflist`, () => {
    const text = JSON.stringify({
      cniVersion: v,
      name: "sriov-chain",
      plugins: [{ type: "sriov" }, { type: "tuning" }],
    });
    const d = loadDelegate(text, { deviceID: "0000:03:02.1", resourceName: "intel.com/sriov" });
    strictEqual(d.isConflist, true);
    strictEqual(d.type, "sriov");
    strictEqual(d.deviceID, "0000:03:02.1");
    strictEqual(d.resourceName, "intel.com/sriov");
    const plugins = JSON.parse(d.bytes).plugins as Array<Record<string, unknown>>;
    for (const p of plugins) strictEqual(p.pciBusID, "0000:03:02.1");
  });
}

Deno.test("parseMultusConf() applies the daemon overlay and reports every problem at once", () => {
  const conf = parseMultusConf('{"clusterNetwork":"c","readinessindicatorfile":"/r"}', {
    overlay: { logLevel: "loud" },
    dropKeys: ["readinessindicatorfile"],
  });
  strictEqual(conf.readinessindicatorfile, "");
  deepStrictEqual(conf.warnings, ["multus logging: cannot set logging level to loud"]);
  throwsCni(
    () => parseMultusConf('{"delegates":"x","confDir":5}'),
    7,
    "LoadNetConf: failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.delegates of type []map[string]interface {}",
    '$.delegates: must be an array of objects, got string "x"\n$.confDir: must be a string, got number 5',
  );
  throwsCni(
    () => parseMultusConf("{}"),
    7,
    "LoadNetConf: at least one delegate/clusterNetwork must be specified",
  );
});

Deno.test("loadDelegate() names a NAD delegate after the element and copies its requests", () => {
  const d = loadDelegate('{"name":"conf-name","type":"macvlan"}', {
    element: { name: "macvlan-nad", namespace: "ns1", interface: "net5", defaultRoute: [] },
  });
  strictEqual(d.name, "ns1/macvlan-nad");
  strictEqual(d.confName, "conf-name");
  strictEqual(d.ifnameRequest, "net5");
  deepStrictEqual(d.gatewayRequest, []);
  strictEqual(d.bytes, '{"name":"conf-name","type":"macvlan"}');
  throwsCni(
    () => loadDelegate('{"type":"../evil"}'),
    7,
    'LoadDelegateNetConf: invalid plugin type "../evil": a type is the file name of a plugin binary in the CNI bin directories, never a path',
  );
});

Deno.test("parseNetworkSelections() reads both forms and words errors as Multus", () => {
  deepStrictEqual(parseNetworkSelections("", { defaultNamespace: "app" }), []);
  deepStrictEqual(parseNetworkSelections("a,ns2/b@eth1", { defaultNamespace: "app" }), [
    { name: "a", namespace: "app" },
    { name: "b", namespace: "ns2", interface: "eth1" },
  ]);
  deepStrictEqual(
    parseNetworkSelections('[{"name":"c","default-route":["10.0.0.1"]}]', {
      defaultNamespace: "app",
    }),
    [{ name: "c", namespace: "app", defaultRoute: ["10.0.0.1"] }],
  );
  throwsCni(
    () => parseNetworkSelections("[adsfasdfasdfasf]", { defaultNamespace: "app" }),
    7,
    "parsePodNetworkAnnotation: failed to parse pod Network Attachment Selection Annotation JSON format: invalid character 'a' looking for beginning of value",
  );
});

Deno.test("parseDefaultNetworkAnnotation() takes exactly one network", () => {
  deepStrictEqual(parseDefaultNetworkAnnotation("cluster", { multusNamespace: "kube-system" }), {
    name: "cluster",
    namespace: "kube-system",
  });
  throwsCni(
    () => parseDefaultNetworkAnnotation("a,b", { multusNamespace: "kube-system" }),
    7,
    "tryLoadK8sPodDefaultNetwork: more than one default network is specified: a,b",
  );
});

Deno.test("podNetworkRequests() enforces namespace isolation on the networks annotation", () => {
  const conf = parseMultusConf('{"clusterNetwork":"c","namespaceIsolation":true}');
  const got = podNetworkRequests({
    conf,
    podNamespace: "app",
    annotations: {
      "v1.multus-cni.io/default-network": "other/cluster",
      "k8s.v1.cni.cncf.io/networks": "net-a,default/net-b",
    },
  });
  deepStrictEqual(got, {
    defaultNetwork: { name: "cluster", namespace: "other" },
    networks: [{ name: "net-a", namespace: "app" }, { name: "net-b", namespace: "default" }],
  });
  throwsCni(
    () =>
      podNetworkRequests({
        conf,
        podNamespace: "app",
        annotations: { "k8s.v1.cni.cncf.io/networks": "kube-system/net-c" },
      }),
    7,
    "TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace app but refers to target namespace kube-system",
  );
});

Deno.test("nadConfig() fills in the name or defers to a file", () => {
  const meta = { name: "net1", namespace: "ns1" };
  deepStrictEqual(nadConfig({ metadata: meta, spec: { config: '{"type":"bridge"}' } }), {
    configText: '{"name":"net1","type":"bridge"}',
  });
  deepStrictEqual(
    nadConfig({
      metadata: { ...meta, annotations: { "k8s.v1.cni.cncf.io/resourceName": "r" } },
      spec: {},
    }),
    { fromFile: true, nadName: "net1", resourceName: "r" },
  );
  throwsCni(
    () => nadConfig({ metadata: meta, spec: { config: "[]" } }),
    7,
    "GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: json: cannot unmarshal array into Go value of type map[string]interface {}",
  );
});

Deno.test("lookupConfFile() finds the first file by CNI name in lexical order", () => {
  const files = [
    { name: "20-b.conf", text: '{"name":"b","type":"bridge"}' },
    { name: "10-a.conf", text: '{"name":"a","type":"bridge"}' },
  ];
  deepStrictEqual(lookupConfFile("b", { dir: "/etc/cni/multus/net.d", files }), {
    file: "/etc/cni/multus/net.d/20-b.conf",
    configText: '{"name":"b","type":"bridge"}',
  });
  throwsCni(
    () => lookupConfFile("z", { dir: "/d", files }),
    7,
    "no network available in the name z in cni dir /d",
  );
});

Deno.test("parseK8sArgs() reads the pod identity from CNI_ARGS", () => {
  deepStrictEqual(
    parseK8sArgs("IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u;X=y"),
    { podNamespace: "ns", podName: "p", podUid: "u", infraContainerId: "" },
  );
  throwsCni(() => parseK8sArgs("X=y"), 4, 'ARGS: unknown args ["X=y"]');
});

Deno.test("chainConflist() refuses a chain without plugins", () => {
  throwsCni(
    () => chainConflist({ text: '{"name":"c","cniVersion":"1.0.0"}', extraPlugins: [] }),
    7,
    "no plugin configs found",
  );
});
