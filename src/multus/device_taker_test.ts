import { assertEquals, assertRejects } from "../../tests/support/assert.ts";
import { denoFs } from "../platform/fs.ts";
import type { DraSource, KubeAccess, Pod } from "./deps.ts";
import { DeviceLookupError, deviceTaker } from "./resolve.ts";

const silent = { error() {}, warning() {}, verbose() {}, debug() {} } as unknown as Parameters<
  typeof deviceTaker
>[1]["logger"];

const POD: Pod = {
  metadata: { name: "p", namespace: "ns", uid: "u1" },
  spec: { nodeName: "node1" },
  status: { resourceClaimStatuses: [{ name: "nic", resourceClaimName: "claim" }] },
} as Pod;

function dra(calls: string[]): DraSource {
  return {
    getResourceClaim: () => {
      calls.push("claim");
      return Promise.resolve({
        metadata: { name: "claim" },
        status: {
          allocation: {
            devices: { results: [{ request: "nic", driver: "d", pool: "p", device: "vf0" }] },
          },
        },
      });
    },
    listResourceSlices: () =>
      Promise.resolve([{
        metadata: { name: "s" },
        spec: {
          driver: "d",
          pool: { name: "p" },
          devices: [{
            name: "vf0",
            attributes: {
              "k8s.cni.cncf.io/deviceID": { string: "0000:02:00.0" },
              "k8s.cni.cncf.io/resourceName": { string: "r/nic" },
            },
          }],
        },
      }]),
  };
}

Deno.test("deviceTaker() hands out the kubelet's and DRA's devices sorted, one per call, reading once", async () => {
  const root = await Deno.makeTempDir({ prefix: "multus-taker-" });
  try {
    await Deno.mkdir(`${root}/device-plugins`);
    await Deno.writeTextFile(
      `${root}/device-plugins/kubelet_internal_checkpoint`,
      JSON.stringify({
        Data: {
          PodDeviceEntries: [{
            PodUID: "u1",
            ResourceName: "r/nic",
            DeviceIDs: ["0000:09:00.0", "0000:01:00.0"],
          }],
        },
      }),
    );
    const calls: string[] = [];
    const kube = { dra: dra(calls) } as unknown as KubeAccess;
    const take = deviceTaker(POD, {
      fs: denoFs,
      env: { MULTUS_KUBELET_ROOT_DIR: root },
      logger: silent,
    }, kube);
    assertEquals(await take("r/nic"), "0000:01:00.0");
    assertEquals(await take("r/nic"), "0000:02:00.0", "DRA's device, in sorted place");
    assertEquals(await take("r/nic"), "0000:09:00.0");
    assertEquals(await take("r/nic"), undefined);
    assertEquals(await take("other"), undefined);
    assertEquals(calls, ["claim"], "the claim is read once per ADD");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deviceTaker() names the source that failed", async () => {
  const take = deviceTaker(POD, {
    fs: denoFs,
    env: { MULTUS_KUBELET_ROOT_DIR: "/nonexistent" },
    logger: silent,
  }, null);
  const err = await assertRejects(() => take("r/nic"), DeviceLookupError);
  assertEquals((err as DeviceLookupError).source, "ResourceClient");
  assertEquals((err as DeviceLookupError).noInstance, true, "no socket, no checkpoint");
});
