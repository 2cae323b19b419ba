import { assertEquals, assertRejects } from "../../tests/support/assert.ts";
import {
  encodeListResponse,
  fakeKubeletPodResources,
  type PodDevices,
} from "../../tests/support/kubelet_pod_resources.ts";
import { denoFs } from "../platform/fs.ts";
import { devicesFromCheckpoint, devicesFromPodResources, podDeviceMap } from "./pod_resources.ts";

const PODS: PodDevices[] = [
  {
    namespace: "default",
    name: "web",
    containers: [
      { name: "a", devices: [{ resourceName: "example.com/nic", deviceIds: ["0000:03:00.2"] }] },
      {
        name: "b",
        devices: [
          { resourceName: "example.com/nic", deviceIds: ["0000:03:00.1"] },
          { resourceName: "example.com/gpu", deviceIds: ["gpu0"] },
        ],
      },
    ],
  },
  {
    namespace: "other",
    name: "web",
    containers: [{ name: "a", devices: [{ resourceName: "example.com/nic", deviceIds: ["x"] }] }],
  },
];

Deno.test("devicesFromPodResources() collects the pod's devices over its containers, in the kubelet's order", () => {
  const map = devicesFromPodResources(encodeListResponse(PODS), {
    namespace: "default",
    name: "web",
  });
  assertEquals([...map], [
    ["example.com/nic", ["0000:03:00.2", "0000:03:00.1"]],
    ["example.com/gpu", ["gpu0"]],
  ]);
  assertEquals(
    devicesFromPodResources(encodeListResponse(PODS), { namespace: "x", name: "web" }).size,
    0,
  );
});

Deno.test("devicesFromCheckpoint() reads both DeviceIDs layouts and matches the pod UID", () => {
  const json = JSON.stringify({
    Data: {
      PodDeviceEntries: [
        {
          PodUID: "u1",
          ContainerName: "a",
          ResourceName: "r/nic",
          DeviceIDs: { "-1": ["d2"], "0": ["d1"] },
        },
        { PodUID: "u1", ContainerName: "b", ResourceName: "r/nic", DeviceIDs: ["d0"] },
        { PodUID: "u2", ContainerName: "a", ResourceName: "r/nic", DeviceIDs: ["other"] },
      ],
    },
    Checksum: 1,
  });
  assertEquals([...devicesFromCheckpoint(json, "u1")], [["r/nic", ["d1", "d2", "d0"]]]);
});

Deno.test("podDeviceMap() asks the pod-resources socket, else the checkpoint, and names what is missing", async () => {
  const root = await Deno.makeTempDir({ prefix: "multus-kubelet-" });
  try {
    const env = { MULTUS_KUBELET_ROOT_DIR: root };
    const pod = { namespace: "default", name: "web", uid: "u1" };
    await assertRejects(
      () => podDeviceMap(pod, { fs: denoFs, env }),
      Error,
      `neither the kubelet's pod-resources socket ${root}/pod-resources/kubelet.sock nor its checkpoint ${root}/device-plugins/kubelet_internal_checkpoint exists`,
    );
    await Deno.mkdir(`${root}/device-plugins`);
    await Deno.writeTextFile(
      `${root}/device-plugins/kubelet_internal_checkpoint`,
      JSON.stringify({
        Data: { PodDeviceEntries: [{ PodUID: "u1", ResourceName: "r", DeviceIDs: ["c"] }] },
      }),
    );
    assertEquals([...await podDeviceMap(pod, { fs: denoFs, env })], [["r", ["c"]]]);

    await Deno.mkdir(`${root}/pod-resources`);
    await using kubelet = await fakeKubeletPodResources(`${root}/pod-resources/kubelet.sock`, PODS);
    const map = await podDeviceMap(pod, { fs: denoFs, env });
    assertEquals(map.get("example.com/nic"), ["0000:03:00.2", "0000:03:00.1"], "the socket wins");
    assertEquals(kubelet.calls, ["/v1.PodResourcesLister/List"]);
    kubelet.fail(7, "permission denied");
    await assertRejects(
      () => podDeviceMap(pod, { fs: denoFs, env }),
      Error,
      `error listing pod resources from ${root}/pod-resources/kubelet.sock: rpc error: code = 7 desc = permission denied`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
