/**
 * The devices the kubelet allocated to a pod, by device-plugin resource name (Multus
 * section 2.9, source 1): the kubelet's PodResources gRPC `List` on
 * `<kubelet dir>/pod-resources/kubelet.sock` (10 s, 16 MiB), matched by pod name and
 * namespace over all containers; when that socket does not exist, the device manager's
 * checkpoint file `<kubelet dir>/device-plugins/kubelet_internal_checkpoint`, matched by
 * pod UID. IDs come in the kubelet's order; `resolve.ts` sorts them (with DRA's) and each
 * NAD naming the resource takes the next one. The kubelet dir is `/var/lib/kubelet`, or
 * `MULTUS_KUBELET_ROOT_DIR` (ours) for a kubelet started with another `--root-dir`.
 *
 * @module
 */
import type { Fs } from "../platform/fs.ts";
import { importLazily } from "../platform/lazy_import.ts";
import { protoFields } from "../platform/protobuf.ts";

/** Resource name -> the pod's device IDs. */
export type DeviceMap = Map<string, string[]>;

/** The kubelet's root dir unless overridden. */
export const KUBELET_ROOT_DIR = "/var/lib/kubelet";

const LIST_METHOD = "/v1.PodResourcesLister/List";

const text = (v: Uint8Array | number): string =>
  typeof v === "number" ? "" : new TextDecoder().decode(v);
const bytes = (v: Uint8Array | number): Uint8Array => typeof v === "number" ? new Uint8Array(0) : v;

/**
 * The devices of pod `namespace/name` in an encoded `v1.ListPodResourcesResponse`
 * (`pod_resources` 1: {name 1, namespace 2, containers 3: {devices 2: {resource_name 1,
 * device_ids 2}}}).
 */
export function devicesFromPodResources(
  response: Uint8Array,
  pod: { namespace: string; name: string },
): DeviceMap {
  const out: DeviceMap = new Map();
  for (const [f, w, podBytes] of protoFields(response)) {
    if (f !== 1 || w !== 2) continue;
    let name = "";
    let namespace = "";
    const containers: Uint8Array[] = [];
    for (const [pf, pw, v] of protoFields(bytes(podBytes))) {
      if (pf === 1 && pw === 2) name = text(v);
      else if (pf === 2 && pw === 2) namespace = text(v);
      else if (pf === 3 && pw === 2) containers.push(bytes(v));
    }
    if (name !== pod.name || namespace !== pod.namespace) continue;
    for (const c of containers) {
      for (const [cf, cw, dev] of protoFields(c)) {
        if (cf !== 2 || cw !== 2) continue;
        let resource = "";
        const ids: string[] = [];
        for (const [df, dw, v] of protoFields(bytes(dev))) {
          if (df === 1 && dw === 2) resource = text(v);
          else if (df === 2 && dw === 2) ids.push(text(v));
        }
        if (resource) out.set(resource, [...(out.get(resource) ?? []), ...ids]);
      }
    }
  }
  return out;
}

/**
 * The devices of the pod with `podUid` in the device manager's checkpoint
 * (`Data.PodDeviceEntries[]` with `PodUID`, `ResourceName` and `DeviceIDs`, a list or,
 * in newer kubelets, a map of NUMA node to list).
 *
 * @throws {Error} when the file is not such JSON.
 */
export function devicesFromCheckpoint(json: string, podUid: string): DeviceMap {
  const doc = JSON.parse(json) as { Data?: { PodDeviceEntries?: unknown } };
  const entries = doc?.Data?.PodDeviceEntries;
  if (!Array.isArray(entries)) throw new Error("no Data.PodDeviceEntries in the checkpoint");
  const out: DeviceMap = new Map();
  for (const e of entries as Array<Record<string, unknown>>) {
    if (e["PodUID"] !== podUid || typeof e["ResourceName"] !== "string") continue;
    const raw = e["DeviceIDs"];
    const ids = Array.isArray(raw)
      ? raw
      : raw && typeof raw === "object"
      ? Object.values(raw as Record<string, unknown>).flat()
      : [];
    const resource = e["ResourceName"];
    out.set(resource, [...(out.get(resource) ?? []), ...ids.map(String)]);
  }
  return out;
}

/**
 * The node offers no device information: no pod-resources socket and no readable
 * checkpoint (what Multus reports as `failed to get a ResourceClient instance`).
 */
export class NoResourceClientError extends Error {
  override readonly name = "NoResourceClientError";
}

/**
 * The pod's devices from the kubelet (see the module doc).
 *
 * @throws {NoResourceClientError} when neither the socket nor a readable checkpoint exists.
 * @throws {Error} naming the socket and what failed when listing through it fails.
 */
export async function podDeviceMap(
  pod: { namespace: string; name: string; uid: string },
  deps: { fs: Pick<Fs, "stat" | "readText">; env: Record<string, string> },
): Promise<DeviceMap> {
  const root = deps.env["MULTUS_KUBELET_ROOT_DIR"] || KUBELET_ROOT_DIR;
  const socket = `${root}/pod-resources/kubelet.sock`;
  if (await deps.fs.stat(socket)) {
    const { grpcUnary } = await importLazily<typeof import("../platform/grpc_unix.ts")>(
      new URL("../platform/grpc_unix.ts", import.meta.url),
    );
    let response: Uint8Array;
    try {
      response = await grpcUnary(socket, LIST_METHOD, new Uint8Array(0), {
        timeoutMs: 10_000,
        maxMessageBytes: 16 * 1024 * 1024,
      });
    } catch (err) {
      throw new Error(`error listing pod resources from ${socket}: ${(err as Error).message}`);
    }
    return devicesFromPodResources(response, pod);
  }
  const checkpoint = `${root}/device-plugins/kubelet_internal_checkpoint`;
  const json = await deps.fs.readText(checkpoint);
  if (json === null) {
    throw new NoResourceClientError(
      `neither the kubelet's pod-resources socket ${socket} nor its checkpoint ${checkpoint} exists`,
    );
  }
  try {
    return devicesFromCheckpoint(json, pod.uid);
  } catch (err) {
    throw new NoResourceClientError(
      `error reading the kubelet checkpoint ${checkpoint}: ${(err as Error).message}`,
    );
  }
}
