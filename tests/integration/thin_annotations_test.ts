/**
 * The network-selection annotation in both forms, the default-network annotation, NAD
 * configs, and what each delegate receives (CNI_ARGS, runtimeConfig, args.cni, deviceID),
 * through `dist/bin/multus` with real plugins and the recording test plugin.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { linkIn, linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, recorded } from "../support/cni_runtime.ts";
import { multusEnv, NETWORKS } from "../support/multus_env.ts";
import { testMode } from "../support/test_mode.ts";

async function v4(ns: string, ifname: string): Promise<string | undefined> {
  return (await linkIn(ns, ifname))?.addr_info.find((a) => a.family === "inet")?.local;
}

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

/** The stdin JSON of every recorded ADD. */
async function addStdins(file: string): Promise<Array<Record<string, unknown>>> {
  return (await recorded(file)).filter((c) => c.command === "ADD").map((c) => JSON.parse(c.stdin));
}

const DEFAULT_NETWORK = "v1.multus-cni.io/default-network";

Deno.test("multus text annotation 'ns/name@if' attaches every item, repeats included, with the requested names", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("team", "green", "10.243.0.0/24");
  const pod = env.pod("text", { [NETWORKS]: " team/green@g0 , blue,blue@b_1 " });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-text" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await names(env.netns.name), ["b_1", "eth0", "g0", "lo", "net2"]);
  assertEquals(await v4(env.netns.name, "g0"), "10.243.0.2");
  assertEquals(await v4(env.netns.name, "net2"), "10.241.0.2");
  assertEquals(await v4(env.netns.name, "b_1"), "10.241.0.3");
  assertEquals(env.networkStatus(pod)?.map((s) => [s.name, s.interface]), [
    ["cluster", "eth0"],
    ["team/green", "g0"],
    ["default/blue", "net2"],
    ["default/blue", "b_1"],
  ]);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-text" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), []);
});

Deno.test("multus JSON annotation applies namespace, interface, interfaceRequest, ips and mac with real plugins", async () => {
  requireRoot();
  await using env = await multusEnv();
  await env.macvlanNad("default", "mv", "10.252.0.0/24", {
    capabilities: { ips: true, mac: true },
    ipam: { type: "static" },
  });
  env.bridgeNad("team", "green", "10.243.0.0/24");
  const pod = env.pod(
    "json",
    {
      [NETWORKS]: JSON.stringify([
        { name: "mv", interface: "ext0", ips: ["10.252.0.7/24"], mac: "02:23:45:67:89:01" },
        { name: "green", namespace: "team", interfaceRequest: "old0" },
        { name: "mv", namespace: "", ips: ["10.252.0.8/24"] },
      ]),
    },
  );
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-json" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const ext0 = await linkIn(env.netns.name, "ext0");
  assertEquals(ext0?.address, "02:23:45:67:89:01");
  assertEquals(await v4(env.netns.name, "ext0"), "10.252.0.7");
  assertEquals(await v4(env.netns.name, "old0"), "10.243.0.2");
  assertEquals(await v4(env.netns.name, "net3"), "10.252.0.8");
  const status = env.networkStatus(pod);
  assertEquals(status?.map((s) => [s.name, s.interface]), [
    ["cluster", "eth0"],
    ["default/mv", "ext0"],
    ["team/green", "old0"],
    ["default/mv", "net3"],
  ]);
  assertEquals([status?.[1]?.ips, status?.[1]?.mac], [["10.252.0.7"], "02:23:45:67:89:01"]);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-json" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await names(env.netns.name), ["lo"]);
});

Deno.test("multus gives a delegate its requests as runtimeConfig per declared capability, cni-args as args.cni, MAC=/IP= in CNI_ARGS", async () => {
  requireRoot();
  await using env = await multusEnv();
  const caps = env.recorderNad("default", "caps", {
    capabilities: {
      ips: true,
      mac: true,
      infinibandGUID: true,
      portMappings: true,
      bandwidth: true,
      deviceID: true,
    },
    args: { cni: { keep: "nad", over: "nad" } },
  });
  const plain = env.recorderNad("default", "plain");
  const request = {
    ips: ["10.9.0.5/24", "fd00::5"],
    mac: "02:00:00:00:00:05",
    "infiniband-guid": "24:8a:07:03:00:8d:ae:2f",
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    bandwidth: { ingressRate: 1000, ingressBurst: 2000, egressRate: 3000, egressBurst: 4000 },
    "cni-args": { over: "pod", extra: true },
  };
  const pod = env.pod("caps", {
    [NETWORKS]: JSON.stringify([{ name: "caps", ...request }, { name: "plain", ...request }]),
  });
  const cniArgs = [
    "IgnoreUnknown=1",
    "K8S_POD_NAMESPACE=default",
    "K8S_POD_NAME=caps",
    "K8S_POD_INFRA_CONTAINER_ID=ctr-caps",
    `K8S_POD_UID=${pod.uid}`,
    "FOO=bar",
  ].join(";");
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-caps",
    env: { CNI_ARGS: cniArgs },
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);

  const [capsIn] = await addStdins(caps);
  assertEquals(capsIn?.runtimeConfig, {
    ips: ["10.9.0.5/24", "fd00::5"],
    mac: "02:00:00:00:00:05",
    infinibandGUID: "24:8a:07:03:00:8d:ae:2f",
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    bandwidth: { ingressRate: 1000, ingressBurst: 2000, egressRate: 3000, egressBurst: 4000 },
  });
  assertEquals(capsIn?.args, { cni: { keep: "nad", over: "pod", extra: true } });
  const [plainIn] = await addStdins(plain);
  assertEquals(plainIn?.runtimeConfig, undefined, "no capability declared, nothing injected");
  assertEquals(plainIn?.args, { cni: { over: "pod", extra: true } });

  // Thin: the runtime's pairs follow Multus's own, repeats included, as Go's thin plugin
  // sends them. Thick: each key once (Go's daemon sends its five keys once), the runtime's
  // other keys kept.
  const runtimeArgs = testMode() === "thick" ? "FOO=bar" : cniArgs;
  const expectedArgs = (ifName: string) => [
    ifName,
    [
      "IgnoreUnknown=true",
      "K8S_POD_NAMESPACE=default",
      "K8S_POD_NAME=caps",
      "K8S_POD_INFRA_CONTAINER_ID=ctr-caps",
      `K8S_POD_UID=${pod.uid}`,
      runtimeArgs,
      "MAC=02:00:00:00:00:05",
      "IP=10.9.0.5/24,fd00::5",
    ].join(";"),
  ];
  const calls = [...await recorded(caps), ...await recorded(plain)];
  assertEquals(calls.map((c) => [c.env.CNI_IFNAME, c.env.CNI_ARGS]), [
    expectedArgs("net1"),
    expectedArgs("net2"),
  ]);
});

Deno.test("multus gives the master the runtime's runtimeConfig untouched and a secondary only its own requests (ours: NPWG 7.5, Go copies kubelet's)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const master = `${env.root}/master-record.jsonl`;
  const cluster = JSON.parse(await Deno.readTextFile(`${env.confDir}/10-cluster.conflist`));
  cluster.plugins.push({
    type: "cnitest-record",
    recordFile: master,
    result: "PASSTHROUGH",
    capabilities: { portMappings: true, bandwidth: true, mac: true },
  });
  await Deno.writeTextFile(`${env.root}/master.conflist`, JSON.stringify(cluster));
  const side = env.recorderNad("default", "side", {
    capabilities: { portMappings: true, bandwidth: true, mac: true },
  });
  const kubelet = {
    portMappings: [{ hostPort: 9090, containerPort: 90, protocol: "tcp" }],
    bandwidth: { ingressRate: 1, ingressBurst: 2, egressRate: 3, egressBurst: 4 },
  };
  const pod = env.pod("rc", {
    [NETWORKS]: JSON.stringify([
      { name: "side" },
      {
        name: "side",
        portMappings: [{ hostPort: 7070, containerPort: 70 }],
        mac: "02:00:00:00:00:07",
      },
    ]),
  });
  const conf = env.conf({ clusterNetwork: `${env.root}/master.conflist`, runtimeConfig: kubelet });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-rc", conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);

  const [masterIn] = await addStdins(master);
  assertEquals(
    masterIn?.runtimeConfig,
    kubelet,
    "the master: the runtime's, no annotation request",
  );
  const sides = await addStdins(side);
  assertEquals(sides.length, 2);
  assertEquals(sides[0]?.runtimeConfig, undefined, "kubelet's portMappings stay with the master");
  assertEquals(sides[1]?.runtimeConfig, {
    portMappings: [{ hostPort: 7070, containerPort: 70 }],
    mac: "02:00:00:00:00:07",
  });
});

Deno.test("multus passes an annotation deviceID as runtimeConfig deviceID with CNIDeviceInfoFile; network-status carries the device-info; DEL removes it", async () => {
  requireRoot();
  await using env = await multusEnv();
  const cid = `ctr-dev-${crypto.randomUUID().slice(0, 8)}`;
  const record = env.recorderNad("default", "sriov", {
    capabilities: { deviceID: true, CNIDeviceInfoFile: true },
    result: {
      interfaces: [{ name: "net1", sandbox: env.netns.path }],
      ips: [{ address: "10.9.9.9/24", interface: 0 }],
    },
  });
  const pod = env.pod("dev", {
    [NETWORKS]: JSON.stringify([{ name: "sriov", deviceID: "0000:18:02.5" }]),
  });
  const devDir = "/var/run/k8s.cni.cncf.io/devinfo/cni";
  const existed = await Deno.stat("/var/run/k8s.cni.cncf.io").then(() => true, () => false);
  const devFile = `${devDir}/default-sriov-${cid}_net1`;
  const deviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:18:02.5" } };
  await Deno.mkdir(devDir, { recursive: true });
  try {
    // The device plugin's CNI (here: the test) writes the file the delegate is told about.
    await Deno.writeTextFile(devFile, JSON.stringify(deviceInfo));
    const add = await env.cni({ command: "ADD", pod, containerId: cid });
    assertEquals(add.code, 0, add.stdout + add.stderr);
    const [stdin] = await addStdins(record);
    // As in Go, only a device-plugin resource's ID is written into the config itself.
    assertEquals([stdin?.deviceID, stdin?.pciBusID], [undefined, undefined]);
    assertEquals(stdin?.runtimeConfig, { deviceID: "0000:18:02.5", CNIDeviceInfoFile: devFile });
    const status = env.networkStatus(pod)?.find((s) => s.name === "default/sriov");
    assertEquals(status?.["device-info"], deviceInfo);

    const del = await env.cni({ command: "DEL", pod, containerId: cid });
    assertEquals(del.code, 0, del.stdout + del.stderr);
    assertEquals(await Deno.stat(devFile).then(() => true, () => false), false);
  } finally {
    await Deno.remove(devFile).catch(() => {});
    if (!existed) await Deno.remove("/var/run/k8s.cni.cncf.io", { recursive: true });
  }
});

Deno.test("multus v1.multus-cni.io/default-network replaces the cluster network, in multusNamespace by default, and must be a NAD", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("kube-system", "alt", "10.253.0.0/24");
  env.bridgeNad("infra", "alt", "10.253.1.0/24");
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("alt", { [DEFAULT_NETWORK]: "alt", [NETWORKS]: "blue" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-alt" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(
    (add.json as { ips: Array<{ address: string }> }).ips.map((i) => i.address),
    ["10.253.0.2/24"],
    "the replacement is the master",
  );
  assertEquals(await v4(env.netns.name, "eth0"), "10.253.0.2");
  assertEquals(await v4(env.netns.name, "net1"), "10.241.0.2");
  assertEquals(env.networkStatus(pod)?.map((s) => [s.name, s.interface, s.default ?? false]), [
    ["kube-system/alt", "eth0", true],
    ["default/blue", "net1", false],
  ]);
  assertEquals(await env.leases(), ["alt/10.253.0.2", "blue/10.241.0.2"], "cluster not used");

  const ns2 = await env.extraNetns();
  const pod2 = env.pod("alt2", { [DEFAULT_NETWORK]: "alt" });
  const add2 = await env.cni({
    command: "ADD",
    pod: pod2,
    containerId: "ctr-alt2",
    netns: ns2.path,
    conf: env.conf({ multusNamespace: "infra" }),
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals(await v4(ns2.name, "eth0"), "10.253.1.2");

  // "cluster" exists only as a file in confDir: no file fallback for this annotation.
  const pod3 = env.pod("alt3", { [DEFAULT_NETWORK]: "cluster" });
  const ns3 = await env.extraNetns();
  const bad = await env.cni({
    command: "ADD",
    pod: pod3,
    containerId: "ctr-alt3",
    netns: ns3.path,
  });
  assertEquals(bad.code, 1);
  assertEquals(
    (bad.json as { msg: string }).msg,
    `Multus: [default/alt3/${pod3.uid}]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in loading K8s cluster default network from pod annotation: tryLoadK8sPodDefaultNetwork: failed getting the delegate: getKubernetesDelegate: cannot find a network-attachment-definition (cluster) in namespace (kube-system): network-attachment-definitions.k8s.cni.cncf.io "cluster" not found`,
  );
  assertEquals(await names(ns3.name), ["lo"]);
});

Deno.test("multus attaches a NAD with an empty spec from the confDir config of the same name", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.api.createNad("default", "ondisk");
  env.api.createNad("default", "nofile");
  await Deno.writeTextFile(
    `${env.confDir}/20-ondisk.conf`,
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "ondisk",
      type: "bridge",
      bridge: env.bridgeName(),
      ipam: { type: "host-local", subnet: "10.254.0.0/24", dataDir: env.ipamDir },
    }),
  );
  const pod = env.pod("disk", { [NETWORKS]: "ondisk" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-disk" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await v4(env.netns.name, "net1"), "10.254.0.2");
  assertEquals(env.networkStatus(pod)?.[1]?.name, "default/ondisk");

  const ns2 = await env.extraNetns();
  const pod2 = env.pod("nodisk", { [NETWORKS]: "nofile" });
  const bad = await env.cni({
    command: "ADD",
    pod: pod2,
    containerId: "ctr-nodisk",
    netns: ns2.path,
  });
  assertEquals(bad.code, 1);
  assertEquals(
    (bad.json as { msg: string }).msg,
    `Multus: [default/nodisk/${pod2.uid}]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: GetCNIConfig: err in GetCNIConfigFromFile: no network available in the name nofile in cni dir ${env.confDir}`,
  );
  assertEquals(await names(ns2.name), ["lo"]);
});

Deno.test("multus injects the NAD's name into a spec.config without one", async () => {
  requireRoot();
  await using env = await multusEnv();
  const record = `${env.root}/noname.jsonl`;
  env.api.createNad("default", "noname", {
    config: { cniVersion: "1.0.0", type: "cnitest-record", recordFile: record },
  });
  const pod = env.pod("noname", { [NETWORKS]: "noname" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-noname" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const [stdin] = await addStdins(record);
  assertEquals(stdin?.name, "noname");
  assert((await filesUnder(env.cniDir)).includes("results/noname-ctr-noname-net1"));
});
