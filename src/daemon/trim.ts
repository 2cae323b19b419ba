/**
 * What the daemon's caches keep of each object: only the fields Multus reads. A pod as the
 * API serves it (managed fields, containers with env, volumes, status conditions, a
 * `last-applied-configuration` annotation) is several KiB; trimmed it is a few hundred
 * bytes, which is what keeps the daemon's memory flat on a busy node.
 *
 * @module
 */
import type { NetworkAttachmentDefinition, ObjectMeta, Pod } from "../kube/mod.ts";

/** The pod annotations Multus reads; every other annotation is dropped. */
export const MULTUS_POD_ANNOTATIONS: readonly string[] = [
  "k8s.v1.cni.cncf.io/networks",
  "v1.multus-cni.io/default-network",
  "kubernetes.io/config.source",
  "k8s.v1.cni.cncf.io/network-status",
];

/** The NAD annotation Multus reads (device-plugin resource). */
export const NAD_RESOURCE_NAME_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName";

function pickAnnotations(
  annotations: Record<string, string> | undefined,
  keys: readonly string[],
): Record<string, string> | undefined {
  if (!annotations) return undefined;
  let out: Record<string, string> | undefined;
  for (const key of keys) {
    const value = annotations[key];
    if (value !== undefined) (out ??= {})[key] = value;
  }
  return out;
}

function identity(meta: ObjectMeta, annotations: Record<string, string> | undefined): ObjectMeta {
  const out: ObjectMeta = {};
  if (meta.name !== undefined) out.name = meta.name;
  if (meta.namespace !== undefined) out.namespace = meta.namespace;
  if (meta.uid !== undefined) out.uid = meta.uid;
  if (meta.resourceVersion !== undefined) out.resourceVersion = meta.resourceVersion;
  if (annotations) out.annotations = annotations;
  return out;
}

/**
 * A pod reduced to `metadata.{name, namespace, uid, resourceVersion}`, the annotations in
 * {@linkcode MULTUS_POD_ANNOTATIONS}, `spec.nodeName` and `status.phase`, plus the DRA
 * claim statuses when present (section 2.9 of the behaviour reference reads them).
 *
 * @example Usage
 * ```ts
 * const small = trimPod({ metadata: { name: "p", namespace: "ns", labels: { a: "b" } }, spec: { nodeName: "n1", containers: [] } });
 * // { metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" } }
 * ```
 */
export function trimPod(pod: Pod): Pod {
  const out: Pod = {
    metadata: identity(
      pod.metadata,
      pickAnnotations(pod.metadata.annotations, MULTUS_POD_ANNOTATIONS),
    ),
  };
  if (pod.spec?.nodeName !== undefined) out.spec = { nodeName: pod.spec.nodeName };
  const status = pod.status;
  if (status) {
    const kept: NonNullable<Pod["status"]> = {};
    if (status.phase !== undefined) kept.phase = status.phase;
    if (status.resourceClaimStatuses !== undefined) {
      kept.resourceClaimStatuses = status.resourceClaimStatuses;
    }
    if (status["extendedResourceClaimStatus"] !== undefined) {
      kept["extendedResourceClaimStatus"] = status["extendedResourceClaimStatus"];
    }
    if (Object.keys(kept).length > 0) out.status = kept;
  }
  return out;
}

/**
 * A NetworkAttachmentDefinition reduced to `metadata.{name, namespace, uid,
 * resourceVersion}`, the `k8s.v1.cni.cncf.io/resourceName` annotation and `spec.config`.
 *
 * @example Usage
 * ```ts
 * const small = trimNad({ metadata: { name: "macvlan", namespace: "ns", labels: { a: "b" } }, spec: { config: "{}" } });
 * // { metadata: { name: "macvlan", namespace: "ns" }, spec: { config: "{}" } }
 * ```
 */
export function trimNad(nad: NetworkAttachmentDefinition): NetworkAttachmentDefinition {
  const out: NetworkAttachmentDefinition = {
    metadata: identity(
      nad.metadata,
      pickAnnotations(nad.metadata.annotations, [NAD_RESOURCE_NAME_ANNOTATION]),
    ),
  };
  if (nad.spec !== undefined) {
    out.spec = nad.spec.config !== undefined ? { config: nad.spec.config } : {};
  }
  return out;
}
