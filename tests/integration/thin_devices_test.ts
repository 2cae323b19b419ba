/**
 * Device-plugin resources end to end through `dist/bin/multus` (Multus section 2.9): NADs with
 * `k8s.v1.cni.cncf.io/resourceName` get the pod's device IDs from the kubelet's
 * PodResources service (a stand-in on a unix socket) or, without that socket, from its
 * checkpoint file; each NAD takes the next ID in sorted order; the device plugin's
 * device-info file reaches the delegate and the network-status.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { recorded } from "../support/cni_runtime.ts";
import { fakeKubeletPodResources } from "../support/kubelet_pod_resources.ts";
import { multusEnv } from "../support/multus_env.ts";
import { requireRoot } from "../support/netns.ts";

const RESOURCE = "example.com/sriov_nic";
const DP_DIR = "/var/run/k8s.cni.cncf.io/devinfo/dp";
const WANTS_RESOURCE = { "k8s.v1.cni.cncf.io/resourceName": RESOURCE };

Deno.test("multus ADD gives each resourceName NAD the next of the pod's devices, with its device-info", async () => {
  requireRoot();
  await using env = await multusEnv();
  const kubeletDir = `${env.root}/kubelet`;
  await Deno.mkdir(`${kubeletDir}/pod-resources`, { recursive: true });
  const pod = env.pod("sriov", { "k8s.v1.cni.cncf.io/networks": "nic-a, nic-b" });
  await using kubelet = await fakeKubeletPodResources(`${kubeletDir}/pod-resources/kubelet.sock`, [
    {
      namespace: pod.namespace,
      name: pod.name,
      containers: [{
        name: "app",
        devices: [{ resourceName: RESOURCE, deviceIds: ["0000:03:00.2", "0000:03:00.1"] }],
      }],
    },
  ]);
  // Results with a pod interface, so that network-status has an entry per NAD.
  const result = (i: number) => ({
    cniVersion: "1.0.0",
    interfaces: [{ name: `net${i}`, mac: `02:00:00:00:00:0${i}`, sandbox: env.netns.path }],
    ips: [{ address: `10.9.0.${i}/24`, interface: 0 }],
  });
  const recA = env.recorderNad("default", "nic-a", { result: result(1) }, WANTS_RESOURCE);
  const recB = env.recorderNad("default", "nic-b", { result: result(2) }, WANTS_RESOURCE);
  // The device plugin's info file for the first device.
  const dpFile = `${DP_DIR}/example.com-sriov_nic-0000:03:00.1-device.json`;
  const devInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:03:00.1" } };
  const base = "/var/run/k8s.cni.cncf.io";
  const hadBase = await Deno.stat(base).then(() => true, () => false);
  await Deno.mkdir(DP_DIR, { recursive: true });
  await Deno.writeTextFile(dpFile, JSON.stringify(devInfo));
  const call = { pod, containerId: "ctr-sriov", env: { MULTUS_KUBELET_ROOT_DIR: kubeletDir } };
  try {
    const add = await env.cni({ command: "ADD", ...call });
    assertEquals(add.code, 0, add.stdout + add.stderr);
    assertEquals(kubelet.calls.length, 1, "the kubelet is asked once per ADD");
    const stdinA = JSON.parse((await recorded(recA))[0]!.stdin);
    const stdinB = JSON.parse((await recorded(recB))[0]!.stdin);
    assertEquals([stdinA.deviceID, stdinA.pciBusID], ["0000:03:00.1", "0000:03:00.1"]);
    assertEquals([stdinB.deviceID, stdinB.pciBusID], ["0000:03:00.2", "0000:03:00.2"]);
    const status = env.networkStatus(pod)!;
    const a = status.find((s) => s.name === "default/nic-a");
    assertEquals(a?.["device-info"], devInfo, "the copied device-info reaches network-status");
    const cniFile = stdinA.runtimeConfig?.CNIDeviceInfoFile as string | undefined;
    assert(!cniFile || cniFile.startsWith("/var/run/k8s.cni.cncf.io/devinfo/cni/"), cniFile);

    const del = await env.cni({ command: "DEL", ...call });
    assertEquals(del.code, 0, del.stdout + del.stderr);
    const left = (await Array.fromAsync(Deno.readDir(`${base}/devinfo/cni`))).filter((e) =>
      e.name.includes("ctr-sriov")
    );
    assertEquals(left, [], "DEL removes the CNI device-info files");
  } finally {
    await Deno.remove(dpFile).catch(() => {});
    if (!hadBase) await Deno.remove(base, { recursive: true }).catch(() => {});
  }
});

Deno.test("multus ADD reads the kubelet checkpoint without the socket, and fails clearly with neither", async () => {
  requireRoot();
  await using env = await multusEnv();
  const kubeletDir = `${env.root}/kubelet`;
  const pod = env.pod("ckpt", { "k8s.v1.cni.cncf.io/networks": "nic-c" });
  const rec = env.recorderNad("default", "nic-c", {}, WANTS_RESOURCE);
  const call = { pod, containerId: "ctr-ckpt", env: { MULTUS_KUBELET_ROOT_DIR: kubeletDir } };
  const none = await env.cni({ command: "ADD", ...call });
  assertEquals(none.code, 1);
  const err = JSON.parse(none.stdout) as { code: number; msg: string };
  assertEquals(err.code, 11);
  assert(
    err.msg.includes(
      `getKubernetesDelegate: failed to get a ResourceClient instance: neither the kubelet's pod-resources socket ${kubeletDir}/pod-resources/kubelet.sock nor its checkpoint ${kubeletDir}/device-plugins/kubelet_internal_checkpoint exists`,
    ),
    err.msg,
  );
  await Deno.mkdir(`${kubeletDir}/device-plugins`, { recursive: true });
  await Deno.writeTextFile(
    `${kubeletDir}/device-plugins/kubelet_internal_checkpoint`,
    JSON.stringify({
      Data: {
        PodDeviceEntries: [{
          PodUID: pod.uid,
          ContainerName: "app",
          ResourceName: RESOURCE,
          DeviceIDs: { "0": ["0000:04:00.3"] },
        }],
      },
      Checksum: 0,
    }),
  );
  const add = await env.cni({ command: "ADD", ...call });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(JSON.parse((await recorded(rec))[0]!.stdin).deviceID, "0000:04:00.3");
  assertEquals((await env.cni({ command: "DEL", ...call })).code, 0);
});

Deno.test("multus-daemon (thick) hands out the pod's devices the same way, from its own environment", async () => {
  requireRoot();
  const { daemonEnv } = await import("../support/daemon_env.ts");
  await using env = await daemonEnv();
  const kubeletDir = `${env.root}/kubelet`;
  await Deno.mkdir(`${kubeletDir}/pod-resources`, { recursive: true });
  await env.daemon.stop();
  await env.startDaemon({ env: { MULTUS_KUBELET_ROOT_DIR: kubeletDir } });
  const pod = env.pod("thick-sriov", { "k8s.v1.cni.cncf.io/networks": "nic-t" });
  await using _kubelet = await fakeKubeletPodResources(
    `${kubeletDir}/pod-resources/kubelet.sock`,
    [{
      namespace: pod.namespace,
      name: pod.name,
      containers: [{
        name: "app",
        devices: [{ resourceName: RESOURCE, deviceIds: ["0000:05:00.7"] }],
      }],
    }],
  );
  const rec = env.recorderNad("default", "nic-t", {}, WANTS_RESOURCE);
  await new Promise((r) => setTimeout(r, 300)); // the informers see the pod and the NAD
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-thick-sriov" });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  assertEquals(JSON.parse((await recorded(rec))[0]!.stdin).deviceID, "0000:05:00.7");
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-thick-sriov" })).code, 0);
});

Deno.test("multus ADD takes DRA-allocated devices from the pod's ResourceClaim and the node's ResourceSlices", async () => {
  requireRoot();
  await using env = await multusEnv();
  const kubeletDir = `${env.root}/kubelet`;
  await Deno.mkdir(`${kubeletDir}/device-plugins`, { recursive: true });
  await Deno.writeTextFile(
    `${kubeletDir}/device-plugins/kubelet_internal_checkpoint`,
    JSON.stringify({ Data: { PodDeviceEntries: [] }, Checksum: 0 }),
  );
  const pod = env.pod("dra", { "k8s.v1.cni.cncf.io/networks": "nic-d" });
  env.api.updatePod(pod.namespace, pod.name, (p) => {
    p.spec = { ...(p.spec ?? {}), nodeName: "node1" };
    p.status = {
      ...(p.status ?? {}),
      resourceClaimStatuses: [{ name: "nic", resourceClaimName: "dra-nic-x7" }],
    };
  });
  env.api.createResourceClaim(pod.namespace, {
    metadata: { name: "dra-nic-x7" },
    status: {
      allocation: {
        devices: {
          results: [
            { request: "nic", driver: "sriov.example.com", pool: "node1", device: "vf-3" },
            { request: "gpu", driver: "gpu.example.com", pool: "node1", device: "gpu-0" },
          ],
        },
      },
    },
  });
  const attrs = (id: string) => ({
    "k8s.cni.cncf.io/deviceID": { string: id },
    "k8s.cni.cncf.io/resourceName": { string: RESOURCE },
  });
  const sliceOf = (
    name: string,
    driver: string,
    nodeName: string,
    devices: Array<[string, Record<string, { string: string }>]>,
  ) =>
    env.api.createResourceSlice({
      metadata: { name },
      spec: {
        driver,
        nodeName,
        pool: { name: "node1" },
        devices: devices.map(([device, attributes]) => ({ name: device, attributes })),
      },
    });
  sliceOf("node1-sriov", "sriov.example.com", "node1", [
    ["vf-2", attrs("0000:07:00.2")],
    ["vf-3", attrs("0000:07:00.3")],
  ]);
  // The same pool and device name on another node: excluded by the node field selector.
  sliceOf("node2-sriov", "sriov.example.com", "node2", [["vf-3", attrs("wrong-node")]]);
  sliceOf("node1-gpu", "gpu.example.com", "node1", [["gpu-0", { model: { string: "x" } }]]);
  const rec = env.recorderNad("default", "nic-d", {}, WANTS_RESOURCE);
  env.api.clearLog();
  const call = { pod, containerId: "ctr-dra", env: { MULTUS_KUBELET_ROOT_DIR: kubeletDir } };
  const add = await env.cni({ command: "ADD", ...call });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(JSON.parse((await recorded(rec))[0]!.stdin).deviceID, "0000:07:00.3");
  const dra = env.api.requests().filter((r) => r.resource.startsWith("resource"));
  assertEquals(
    dra.map((r) => `${r.verb} ${r.resource}`),
    ["get resourceclaims", "list resourceslices", "list resourceslices"],
    "one claim read, one slice list per driver",
  );
  assertEquals((await env.cni({ command: "DEL", ...call })).code, 0);
});
