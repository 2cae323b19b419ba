import { assertEquals, assertRejects } from "../../tests/support/assert.ts";
import type { ResourceClaim, ResourceSlice } from "../kube/types.ts";
import type { DraSource, Pod } from "./deps.ts";
import { addDraDevices, hasDraClaims } from "./dra.ts";
import type { DeviceMap } from "./pod_resources.ts";

const NIC = "example.com/nic";

function slice(driver: string, devices: Array<[string, Record<string, string>]>): ResourceSlice {
  return {
    metadata: { name: `${driver}-slice` },
    spec: {
      driver,
      nodeName: "node1",
      pool: { name: "pool0" },
      devices: devices.map(([name, attrs]) => ({
        name,
        attributes: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { string: v }])),
      })),
    },
  };
}

function fakeDra(claims: Record<string, ResourceClaim>, slices: ResourceSlice[]) {
  const calls: string[] = [];
  const source: DraSource = {
    getResourceClaim(namespace, name) {
      calls.push(`get ${namespace}/${name}`);
      const c = claims[name];
      return c
        ? Promise.resolve(c)
        : Promise.reject(new Error(`resourceclaims "${name}" not found`));
    },
    listResourceSlices(selector) {
      calls.push(`list ${selector}`);
      const driver = /spec\.driver=([^,]+)/.exec(selector)?.[1];
      return Promise.resolve(slices.filter((s) => s.spec?.driver === driver));
    },
  };
  return { source, calls };
}

const claim = (results: Array<[string, string, string]>): ResourceClaim => ({
  metadata: { name: "c" },
  status: {
    allocation: {
      devices: {
        results: results.map(([request, driver, device]) => ({
          request,
          driver,
          pool: "pool0",
          device,
        })),
      },
    },
  },
});

function pod(status: Record<string, unknown>): Pod {
  return { metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "node1" }, status };
}

const warnings: string[] = [];
const logger = { warning: (m: string) => void warnings.push(m) };

Deno.test("addDraDevices() maps devices published for CNI and skips the others with a warning", async () => {
  warnings.length = 0;
  const { source, calls } = fakeDra(
    {
      "claim-a": claim([
        ["nic", "sriov.example.com", "vf2"],
        ["gpu", "gpu.example.com", "gpu0"],
        ["nic", "sriov.example.com", "vf9"],
        ["nic", "sriov.example.com", "vf1"],
      ]),
    },
    [
      slice("sriov.example.com", [
        ["vf1", {
          "k8s.cni.cncf.io/deviceID": "0000:06:00.1",
          "k8s.cni.cncf.io/resourceName": NIC,
        }],
        ["vf2", {
          "k8s.cni.cncf.io/deviceID": "0000:06:00.2",
          "k8s.cni.cncf.io/resourceName": NIC,
        }],
        ["vf9", { "k8s.cni.cncf.io/deviceID": "0000:06:00.9" }],
      ]),
      slice("gpu.example.com", [["gpu0", { model: "x" }]]),
    ],
  );
  const p = pod({
    resourceClaimStatuses: [{ name: "nic", resourceClaimName: "claim-a" }, { name: "x" }],
  });
  assertEquals(hasDraClaims(p), true);
  const map: DeviceMap = new Map([[NIC, ["0000:01:00.0"]]]);
  await addDraDevices(p, source, map, logger);
  assertEquals(
    map.get(NIC),
    ["0000:01:00.0", "0000:06:00.2", "0000:06:00.1"],
    "appended; the caller sorts",
  );
  assertEquals(calls, [
    "get ns/claim-a",
    "list spec.nodeName=node1,spec.driver=sriov.example.com",
    "list spec.nodeName=node1,spec.driver=gpu.example.com",
  ]);
  assertEquals(warnings.length, 2, warnings.join("\n"));
});

Deno.test("addDraDevices() fails on a claim without allocation, a missing claim and a slow API", async () => {
  const unallocated = fakeDra({ c: { metadata: { name: "c" }, status: {} } }, []);
  await assertRejects(
    () =>
      addDraDevices(
        pod({ resourceClaimStatuses: [{ name: "n", resourceClaimName: "c" }] }),
        unallocated.source,
        new Map(),
        logger,
      ),
    Error,
    "claim c has no device allocation",
  );
  await assertRejects(
    () =>
      addDraDevices(
        pod({ resourceClaimStatuses: [{ name: "n", resourceClaimName: "gone" }] }),
        unallocated.source,
        new Map(),
        logger,
      ),
    Error,
    'resourceclaims "gone" not found',
  );
  const slow: DraSource = {
    getResourceClaim: () => new Promise(() => {}),
    listResourceSlices: () => Promise.resolve([]),
  };
  await assertRejects(
    () =>
      addDraDevices(
        pod({ resourceClaimStatuses: [{ name: "n", resourceClaimName: "c" }] }),
        slow,
        new Map(),
        logger,
        50,
      ),
    Error,
    "DRA lookup did not finish within 0.05 s",
  );
  assertEquals(hasDraClaims(pod({ phase: "Pending" })), false);
});

Deno.test("addDraDevices() checks extended-resource mappings strictly", async () => {
  const slices = [
    slice("sriov.example.com", [
      ["vf1", { "k8s.cni.cncf.io/deviceID": "0000:06:00.1", "k8s.cni.cncf.io/resourceName": NIC }],
    ]),
  ];
  const { source } = fakeDra({ ext: claim([["req-0", "sriov.example.com", "vf1"]]) }, slices);
  const ext = (mappings: Array<Record<string, string>>) =>
    pod({ extendedResourceClaimStatus: { resourceClaimName: "ext", requestMappings: mappings } });
  const map: DeviceMap = new Map();
  await addDraDevices(
    ext([{ containerName: "c", requestName: "req-0", resourceName: NIC }]),
    source,
    map,
    logger,
  );
  assertEquals(map.get(NIC), ["0000:06:00.1"]);
  await assertRejects(
    () =>
      addDraDevices(
        ext([{ containerName: "c", requestName: "req-0", resourceName: "other/res" }]),
        source,
        new Map(),
        logger,
      ),
    Error,
    'device vf1: k8s.cni.cncf.io/resourceName is "example.com/nic" but the extended resource mapping for request "req-0" is "other/res"',
  );
  await assertRejects(
    () =>
      addDraDevices(
        ext([{ containerName: "c", requestName: "req-9", resourceName: NIC }]),
        source,
        new Map(),
        logger,
      ),
    Error,
    "request req-9 not found in claim ext",
  );
});
