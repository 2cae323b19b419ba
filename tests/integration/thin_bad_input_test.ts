/**
 * The thin plugin's bad-input matrix: every malformed annotation form, NAD problems,
 * invalid requests, a failing delegate (rollback), the API server down. Each asserts
 * the exact message and that nothing was attached or left behind.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { ip, linksIn, requireRoot, uniqueName } from "../support/netns.ts";
import { filesUnder, recorded } from "../support/cni_runtime.ts";
import { type MultusEnv, multusEnv, NETWORKS, type TestPod } from "../support/multus_env.ts";

const DEFAULT_NETWORK = "v1.multus-cni.io/default-network";
const LOADING = "error loading k8s delegates k8s args: ";
const PARSE_JSON =
  "parsePodNetworkAnnotation: failed to parse pod Network Attachment Selection Annotation JSON format: ";
const DNS_LABEL =
  "parsePodNetworkAnnotation: parsePodNetworkObjectName: Failed to parse: one or more items did not match comma-delimited format (must consist of lower case alphanumeric characters). Must start and end with an alphanumeric character), mismatch @ ";
const IFNAME_TEXT =
  "parsePodNetworkAnnotation: parsePodNetworkObjectName: Failed to parse interface name: must be less than 15 chars and not contain '/' or spaces. interface name ";

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

function cniError(out: { json?: unknown }): { code: number; msg: string } {
  return out.json as { code: number; msg: string };
}

/** ADD fails with `code` and `Multus: [ns/pod/uid]: <msg>`; nothing attached, cached or written. */
async function assertAddRefused(
  env: MultusEnv,
  pod: TestPod,
  expected: { code: number; msg: string },
  conf?: Record<string, unknown>,
): Promise<void> {
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: `ctr-${pod.name}`,
    ...(conf ? { conf } : {}),
  });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  assertEquals(cniError(add), {
    cniVersion: "1.0.0",
    code: expected.code,
    msg: `Multus: [${pod.namespace}/${pod.name}/${pod.uid}]: ${expected.msg}`,
  });
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await filesUnder(env.cniDir), []);
  assertEquals(await env.leases(), []);
  assertEquals(env.networkStatus(pod), undefined);
}

/** Rows: annotations and the message after `Multus: [ns/pod/uid]: `. */
const MALFORMED: Array<[string, Record<string, string>, string]> = [
  [
    "text: two '/'",
    { [NETWORKS]: "default/blue/x" },
    `${LOADING}parsePodNetworkAnnotation: parsePodNetworkObjectName: Invalid network object (failed at '/')`,
  ],
  [
    "text: two '@'",
    { [NETWORKS]: "blue@a@b" },
    `${LOADING}parsePodNetworkAnnotation: parsePodNetworkObjectName: Invalid network object (failed at '@')`,
  ],
  [
    "text: a name that is no DNS label",
    { [NETWORKS]: "blue, Net_B" },
    `${LOADING}${DNS_LABEL}'Net_B'`,
  ],
  [
    "text: a namespace that is no DNS label",
    { [NETWORKS]: "NS/blue" },
    `${LOADING}${DNS_LABEL}'NS'`,
  ],
  [
    "text: an interface name over 15 characters",
    { [NETWORKS]: "blue@abcdefghijklmnop" },
    `${LOADING}${IFNAME_TEXT}'abcdefghijklmnop'`,
  ],
  [
    "text: an interface name with a space",
    { [NETWORKS]: "blue@eth 1" },
    `${LOADING}${IFNAME_TEXT}'eth 1'`,
  ],
  [
    "JSON: not JSON",
    { [NETWORKS]: "[adsfasdfasdfasf]" },
    `${LOADING}${PARSE_JSON}invalid character 'a' looking for beginning of value`,
  ],
  [
    "JSON: an object, not a list (quirk 12)",
    { [NETWORKS]: '{"name":"blue"}' },
    `${LOADING}${PARSE_JSON}json: cannot unmarshal object into Go value of type []*types.NetworkSelectionElement`,
  ],
  [
    "JSON: a list of strings",
    { [NETWORKS]: '["blue"]' },
    `${LOADING}${PARSE_JSON}json: cannot unmarshal string into Go value of type types.NetworkSelectionElement`,
  ],
  [
    "JSON: ips not a list",
    { [NETWORKS]: '[{"name":"blue","ips":"10.0.0.1"}]' },
    `${LOADING}${PARSE_JSON}json: cannot unmarshal string into Go struct field NetworkSelectionElement.ips of type []string`,
  ],
  [
    "JSON: an invalid IP",
    { [NETWORKS]: '[{"name":"blue","ips":["10.0.0.256"]}]' },
    `${LOADING}failed to parse IP address "10.0.0.256"`,
  ],
  [
    "JSON: an invalid CIDR",
    { [NETWORKS]: '[{"name":"blue","ips":["10.0.0.1/33"]}]' },
    `${LOADING}failed to parse CIDR "10.0.0.1/33": invalid CIDR address: 10.0.0.1/33`,
  ],
  [
    "JSON: an invalid MAC",
    { [NETWORKS]: '[{"name":"blue","mac":"zz:bb:cc:dd:ee:ff"}]' },
    `${LOADING}parsePodNetworkAnnotation: failed to mac: address zz:bb:cc:dd:ee:ff: invalid MAC address`,
  ],
  [
    "JSON: an invalid infiniband GUID",
    { [NETWORKS]: '[{"name":"blue","infiniband-guid":"24:8a:07:03:00:8d:ae"}]' },
    `${LOADING}parsePodNetworkAnnotation: failed to validate infiniband GUID: address 24:8a:07:03:00:8d:ae: invalid MAC address`,
  ],
  [
    "JSON: an interface name over 15 characters (ours: checked when parsed)",
    { [NETWORKS]: '[{"name":"blue","interface":"averyveryverylongname"}]' },
    `${LOADING}parsePodNetworkAnnotation: Failed to parse interface name: must be less than 15 chars, not be . or .., and not contain '/', ':' or spaces. interface name 'averyveryverylongname'`,
  ],
  [
    "default-network: two entries",
    { [DEFAULT_NETWORK]: "blue,blue" },
    `${LOADING}TryLoadPodDelegates: error in loading K8s cluster default network from pod annotation: tryLoadK8sPodDefaultNetwork: more than one default network is specified: blue,blue`,
  ],
  [
    "default-network: not JSON",
    { [DEFAULT_NETWORK]: "[x]" },
    `${LOADING}TryLoadPodDelegates: error in loading K8s cluster default network from pod annotation: tryLoadK8sPodDefaultNetwork: failed to parse CRD object: ${PARSE_JSON}invalid character 'x' looking for beginning of value`,
  ],
];

for (const [what, annotations, msg] of MALFORMED) {
  Deno.test(`multus ADD refuses a malformed annotation (${what}) with code 7 and attaches nothing`, async () => {
    requireRoot();
    await using env = await multusEnv();
    env.bridgeNad("default", "blue", "10.241.0.0/24");
    await assertAddRefused(env, env.pod("malformed", annotations), { code: 7, msg });
  });
}

Deno.test("multus ADD refuses an unknown NAD, naming it, and records NoNetworkFound", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("unknown", { [NETWORKS]: "team/nosuch" });
  await assertAddRefused(env, pod, {
    code: 7,
    msg:
      `${LOADING}TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: getKubernetesDelegate: cannot find a network-attachment-definition (nosuch) in namespace (team): network-attachment-definitions.k8s.cni.cncf.io "nosuch" not found`,
  });
  // Thick mode sends events after the reply: wait for one (bounded), never for a time.
  for (let i = 0; i < 600 && env.api.events({ objectName: "unknown" }).length < 1; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const events = env.api.events({ objectName: "unknown", reason: "NoNetworkFound" });
  assertEquals(events.map((e) => [e["type"], e["message"]]), [[
    "Warning",
    'cannot find a network-attachment-definition (nosuch) in namespace (team): network-attachment-definitions.k8s.cni.cncf.io "nosuch" not found',
  ]]);
});

Deno.test("multus ADD with an empty item in a text annotation ('blue,') looks up the NAD '()' in the pod's namespace and fails as Multus does", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("trailing", { [NETWORKS]: "blue," });
  // client-go refuses a GET without a name before sending it (Go Multus thin's words; Go's
  // daemon asks its lister, which says `... "" not found`). No request is made.
  const msg =
    "cannot find a network-attachment-definition () in namespace (default): resource name may not be empty";
  await assertAddRefused(env, pod, {
    code: 7,
    msg:
      `${LOADING}TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: getKubernetesDelegate: ${msg}`,
  });
  // Thick mode sends events after the reply: wait for one (bounded), never for a time.
  for (let i = 0; i < 600 && env.api.events({ objectName: "trailing" }).length < 1; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const events = env.api.events({ objectName: "trailing", reason: "NoNetworkFound" });
  assertEquals(events.map((e) => e["message"]), [msg]);
});

Deno.test("multus ADD refuses a NAD whose spec.config is not JSON", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.createNad("default", "badjson", { config: '{"cniVersion": "1.0.0", type: bridge}' });
  await assertAddRefused(env, env.pod("badjson", { [NETWORKS]: "badjson" }), {
    code: 7,
    msg:
      `${LOADING}TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: GetCNIConfig: err in getCNIConfigFromSpec: failed to unmarshal Spec.Config: invalid character 't' looking for beginning of object key string`,
  });
});

Deno.test("multus ADD refuses a NAD in a namespace namespaceIsolation forbids", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("kube-system", "infra", "10.241.0.0/24");
  const pod = env.pod("forbidden", { [NETWORKS]: "kube-system/infra" }, "test");
  env.api.clearLog();
  await assertAddRefused(env, pod, {
    code: 7,
    msg:
      `${LOADING}TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: namespace isolation enabled, annotation violates permission, pod is in namespace test but refers to target namespace kube-system`,
  }, env.conf({ namespaceIsolation: true }));
  assertEquals(env.api.count({ verb: "get", resource: "network-attachment-definitions" }), 0);
});

Deno.test("multus ADD refuses two attachments asking for one interface name (ours: before anything runs)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("default", "green", "10.243.0.0/24");
  const pod = env.pod("dup", {
    [NETWORKS]: '[{"name":"blue","interface":"ext0"},{"name":"green","interface":"ext0"}]',
  });
  await assertAddRefused(env, pod, {
    code: 7,
    msg:
      'interface name "ext0" is requested by network "default/blue" and by network "default/green"; each attachment needs its own name',
  });
  // Asking for the cluster network's name is a duplicate as well.
  const pod2 = env.pod("dup2", { [NETWORKS]: "blue@eth0" });
  await assertAddRefused(env, pod2, {
    code: 7,
    msg:
      'interface name "eth0" is requested by network "cluster" and by network "default/blue"; each attachment needs its own name',
  });
});

Deno.test("multus ADD refuses two default-route gateways of one family (ECMP)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("default", "green", "10.243.0.0/24");
  const pod = env.pod("ecmp", {
    [NETWORKS]: JSON.stringify([
      { name: "blue", "default-route": ["10.241.0.1"] },
      { name: "green", "default-route": ["10.243.0.1"] },
    ]),
  });
  await assertAddRefused(env, pod, {
    code: 7,
    msg: `${LOADING}multus does not support ECMP for default-route`,
  });
});

Deno.test("multus ADD with the 3rd delegate failing rolls back: the namespace and host-local's state are clean", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const record = env.recorderNad("default", "vfs", {
    fail: { ADD: { code: 11, msg: "no free virtual function", details: "pool exhausted" } },
  });
  const pod = env.pod("rollback", { [NETWORKS]: "blue, vfs" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-rollback" });
  assertEquals(add.code, 1);
  const err = add.json as { code: number; msg: string; details?: string };
  assertEquals(err.code, 11, "the delegate's own code");
  assertEquals(err.details, "pool exhausted");
  assertEquals(
    err.msg,
    `[default/rollback/${pod.uid}:vfs]: error adding container to network "vfs": no free virtual function`,
  );
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), [], "host-local released both addresses");
  assertEquals(await filesUnder(env.cniDir), ["ctr-rollback"], "only the scratch cache, for DEL");
  assertEquals((await recorded(record)).map((c) => c.command), ["ADD", "DEL"]);
  assertEquals(env.networkStatus(pod), undefined);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-rollback" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await filesUnder(env.cniDir), []);
});

for (const outage of ["refuse", "503", "hang"] as const) {
  Deno.test(`multus ADD with the API server down (${outage}) fails with 'error waiting for pod'`, async () => {
    requireRoot();
    await using env = await multusEnv();
    const pod = env.pod(`down-${outage}`);
    await env.api.setOutage(outage);
    let add;
    try {
      add = await env.cni({ command: "ADD", pod, containerId: "ctr-down" });
    } finally {
      await env.api.setOutage(null);
    }
    assertEquals(add.code, 1);
    const prefix = `Multus: [default/down-${outage}/${pod.uid}]: error waiting for pod: `;
    const err = cniError(add);
    assert(err.msg.startsWith(prefix), err.msg);
    if (outage === "refuse") assertMatch(err.msg, /connection refused/i);
    else if (outage === "hang") assertMatch(err.msg, /deadline exceeded/);
    else assertEquals(err.msg, `${prefix}the server is currently unable to handle the request`);
    assertEquals(await names(env.netns.name), ["lo"]);
    assertEquals(await filesUnder(env.cniDir), []);
  });
}

Deno.test("multus ADD with the API failing a NAD read (503) fails with code 11 to be retried", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("nad503", { [NETWORKS]: "blue" });
  env.api.failNext(1, { code: 503, match: { resource: "network-attachment-definitions" } });
  await assertAddRefused(env, pod, {
    code: 11,
    msg:
      `${LOADING}TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: getKubernetesDelegate: cannot find a network-attachment-definition (blue) in namespace (default): the server is currently unable to handle the request`,
  });
});

Deno.test("multus ADD refuses a Multus config without clusterNetwork or delegates, and a missing cluster network", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("noconf");
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-noconf",
    conf: { cniVersion: "1.0.0", name: "multus-cni-network", type: "multus" },
  });
  assertEquals(add.code, 1);
  assertEquals(
    cniError(add).msg,
    "Multus: error loading netconf: LoadNetConf: at least one delegate/clusterNetwork must be specified",
  );
  assertEquals(cniError(add).code, 7);

  const missing = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-noconf",
    conf: env.conf({ clusterNetwork: "nowhere" }),
  });
  assertEquals(missing.code, 1);
  assert(
    cniError(missing).msg.startsWith(
      `Multus: [default/noconf/${pod.uid}]: failed to get clusterNetwork/defaultNetworks: GetDefaultNetworks: failed to get clusterNetwork nowhere in namespace kube-system: getNetDelegate: cannot find network: nowhere`,
    ),
    cniError(missing).msg,
  );
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("multus ADD refuses a NAD config with neither type nor plugins", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.createNad("default", "notype", { config: { cniVersion: "1.0.0" } });
  await assertAddRefused(env, env.pod("notype", { [NETWORKS]: "notype" }), {
    code: 7,
    msg:
      `${LOADING}TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: LoadDelegateNetConf: failed with: LoadDelegateNetConfList: delegate must have the 'type' or 'plugin' field`,
  });
});

Deno.test("multus ADD with a delegate whose plugin is not installed fails naming it and rolls back", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.createNad("default", "nobin", { config: { cniVersion: "1.0.0", type: "nosuchplugin" } });
  const pod = env.pod("nobin", { [NETWORKS]: "nobin" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-nobin" });
  assertEquals(add.code, 1);
  assertEquals(
    cniError(add).msg,
    `[default/nobin/${pod.uid}:nobin]: error adding container to network "nobin": failed to find plugin "nosuchplugin" in path [${
      env.cniPath.replaceAll(":", " ")
    }]`,
  );
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), []);
});

Deno.test("multus ADD refuses an interface name the pod already has (ours: before anything runs)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const host = uniqueName("cnih");
  env.ownLink(host);
  await ip("link", "add", host, "type", "veth", "peer", "name", "net1", "netns", env.netns.name);
  const pod = env.pod("taken", { [NETWORKS]: "blue" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-taken" });
  assertEquals(add.code, 1);
  assertEquals(cniError(add), {
    cniVersion: "1.0.0",
    code: 7,
    msg:
      `[default/taken/${pod.uid}:blue]: error adding container to network "blue": DelegateAdd: cannot set "bridge" interface name to "net1": validateIfName: interface name net1 already exists`,
  });
  assertEquals(await names(env.netns.name), ["lo", "net1"], "eth0 was never created");
  assertEquals(await env.leases(), []);
});

Deno.test("multus ADD into a network namespace that does not exist fails with code 4", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("nonetns");
  const netns = `/var/run/netns/cnitest-${uniqueName("gone")}`;
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-nonetns", netns });
  assertEquals(add.code, 1);
  assertEquals(cniError(add).code, 4);
  assert(
    cniError(add).msg.startsWith(
      `[default/nonetns/${pod.uid}:cluster]: error adding container to network "cluster": DelegateAdd: cannot set "bridge" interface name to "eth0": validateIfName: no net namespace ${netns} found: `,
    ),
    cniError(add).msg,
  );
  assertEquals(await env.leases(), []);
});
