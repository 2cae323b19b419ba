/**
 * Device IDs from Dynamic Resource Allocation (Multus section 2.9, source 2), added to
 * the device-plugin map. For each of the pod's `status.resourceClaimStatuses` the
 * ResourceClaim is read and each allocated device looked up in the node's ResourceSlices
 * of its driver (listed once per driver, with `spec.nodeName` and `spec.driver` field
 * selectors); a device counts when its slice gives it the attributes
 * `k8s.cni.cncf.io/deviceID` and `k8s.cni.cncf.io/resourceName`, and is skipped with a
 * warning otherwise (a claim may mix a GPU with NICs). A claim without an allocation is
 * an error. `status.extendedResourceClaimStatus` (extended resources backed by DRA) is
 * strict: every mapped request must resolve to devices whose resourceName equals the
 * mapping's. The whole lookup is bounded by 20 seconds.
 *
 * @module
 */
import type { ResourceSlice } from "../kube/types.ts";
import { afterMs } from "../platform/clock.ts";
import type { DraSource, Pod } from "./deps.ts";
import type { DeviceMap } from "./pod_resources.ts";

const DEVICE_ID_ATTR = "k8s.cni.cncf.io/deviceID";
const RESOURCE_NAME_ATTR = "k8s.cni.cncf.io/resourceName";

/** How long the DRA lookup may take. */
export const DRA_TIMEOUT_MS = 20_000;

interface DeviceInfo {
  deviceID: string;
  resourceName: string;
}

interface Allocation {
  request: string;
  driver: string;
  pool: string;
  device: string;
}

/** Whether the pod has DRA claims for Multus to read. */
export function hasDraClaims(pod: Pod): boolean {
  const status = pod["status"] as Record<string, unknown> | undefined;
  const claims = status?.["resourceClaimStatuses"];
  return (Array.isArray(claims) && claims.length > 0) ||
    status?.["extendedResourceClaimStatus"] !== undefined;
}

/** Reads the DRA devices of `pod` into `map` (unsorted; the caller sorts). */
export async function addDraDevices(
  pod: Pod,
  dra: DraSource,
  map: DeviceMap,
  logger: { warning(msg: string): void },
  timeoutMs = DRA_TIMEOUT_MS,
): Promise<void> {
  let cancel = (): void => {};
  const timeout = new Promise<never>((_, reject) => {
    cancel = afterMs(
      timeoutMs,
      () => reject(new Error(`DRA lookup did not finish within ${timeoutMs / 1000} s`)),
    );
  });
  try {
    await Promise.race([lookup(pod, dra, map, logger), timeout]);
  } finally {
    cancel();
  }
}

async function lookup(
  pod: Pod,
  dra: DraSource,
  map: DeviceMap,
  logger: { warning(msg: string): void },
): Promise<void> {
  const namespace = pod.metadata.namespace;
  const spec = pod["spec"] as { nodeName?: string } | undefined;
  const status = pod["status"] as Record<string, unknown> | undefined;
  const nodeName = spec?.nodeName ?? "";
  const claims = new Map<string, Promise<Allocation[]>>();
  const allocations = (claimName: string): Promise<Allocation[]> => {
    let p = claims.get(claimName);
    if (!p) {
      p = dra.getResourceClaim(namespace, claimName).then((claim) => {
        const results = claim.status?.allocation?.devices?.results;
        if (!results) throw new Error(`claim ${claimName} has no device allocation`);
        return results;
      });
      claims.set(claimName, p);
    }
    return p;
  };
  const drivers = new Map<string, Promise<Map<string, DeviceInfo>>>();
  const deviceInfo = async (a: Allocation): Promise<DeviceInfo | string> => {
    let devices = drivers.get(a.driver);
    if (!devices) {
      const selector = nodeName
        ? `spec.nodeName=${nodeName},spec.driver=${a.driver}`
        : `spec.driver=${a.driver}`;
      devices = dra.listResourceSlices(selector).then(indexSlices);
      drivers.set(a.driver, devices);
    }
    const info = (await devices).get(`${a.driver}/${a.pool}/${a.device}`);
    if (!info) {
      return `device ${a.device} of ${a.driver}/${a.pool} is in no resource slice with a ${DEVICE_ID_ATTR}`;
    }
    return info;
  };
  const add = (resourceName: string, deviceID: string): void => {
    map.set(resourceName, [...(map.get(resourceName) ?? []), deviceID]);
  };

  const claimStatuses = status?.["resourceClaimStatuses"];
  for (const c of Array.isArray(claimStatuses) ? claimStatuses : []) {
    const claimName = (c as { resourceClaimName?: unknown }).resourceClaimName;
    if (typeof claimName !== "string" || claimName === "") continue;
    for (const a of await allocations(claimName)) {
      const info = await deviceInfo(a);
      if (typeof info === "string") {
        logger.warning(`DRA: claim ${claimName}: skipping ${info}`);
      } else if (!info.resourceName) {
        logger.warning(
          `DRA: claim ${claimName}: skipping device ${a.device}: no ${RESOURCE_NAME_ATTR} (only devices published for CNI are mapped)`,
        );
      } else {
        add(info.resourceName, info.deviceID);
      }
    }
  }

  const ext = status?.["extendedResourceClaimStatus"] as
    | { resourceClaimName?: string; requestMappings?: Array<Record<string, string>> }
    | undefined;
  if (!ext?.resourceClaimName) return;
  const claimName = ext.resourceClaimName;
  const byRequest = new Map<string, Allocation[]>();
  for (const a of await allocations(claimName)) {
    byRequest.set(a.request, [...(byRequest.get(a.request) ?? []), a]);
  }
  for (const m of ext.requestMappings ?? []) {
    const results = byRequest.get(m["requestName"] ?? "") ?? [];
    if (results.length === 0) {
      throw new Error(`request ${m["requestName"]} not found in claim ${claimName}`);
    }
    for (const a of results) {
      const info = await deviceInfo(a);
      if (typeof info === "string") throw new Error(info);
      if (info.resourceName !== m["resourceName"]) {
        throw new Error(
          `device ${a.device}: ${RESOURCE_NAME_ATTR} is ${
            JSON.stringify(info.resourceName)
          } but the extended resource mapping for request ${JSON.stringify(m["requestName"])} is ${
            JSON.stringify(m["resourceName"])
          }`,
        );
      }
      add(info.resourceName, info.deviceID);
    }
  }
}

/** `driver/pool/device` -> the two attributes, for devices that have a deviceID. */
function indexSlices(slices: ResourceSlice[]): Map<string, DeviceInfo> {
  const out = new Map<string, DeviceInfo>();
  for (const slice of slices) {
    const driver = slice.spec?.driver ?? "";
    const pool = slice.spec?.pool?.name ?? "";
    for (const d of slice.spec?.devices ?? []) {
      const deviceID = d.attributes?.[DEVICE_ID_ATTR]?.string ?? "";
      if (!deviceID) continue;
      const resourceName = d.attributes?.[RESOURCE_NAME_ATTR]?.string ?? "";
      out.set(`${driver}/${pool}/${d.name}`, { deviceID, resourceName });
    }
  }
  return out;
}
