/**
 * Building a core/v1 Event about a pod the way client-go's `record.EventRecorder`
 * (`makeEvent`) does for Multus's recorder (source component `multus`).
 *
 * @module
 */
import type { CoreEvent, Pod } from "./types.ts";

/** What the event says. */
export interface PodEventSpec {
  type: "Normal" | "Warning";
  /** e.g. `AddedInterface`. */
  reason: string;
  /** e.g. `Add net1 [10.1.1.3/24] from default/macvlan`. */
  message: string;
  /** `source.component` and `reportingComponent` (default `multus`). */
  component?: string;
  /** `source.host` and `reportingInstance`: the node name, when known. */
  host?: string;
  /** When it happened (default now). */
  now?: Date;
}

let sequence = 0;

/** Go's `metav1.Time` JSON: RFC 3339 in UTC with whole seconds. */
export function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The Event client-go's recorder would post for `pod`: name `<pod>.<unix nanos in hex>`,
 * `involvedObject` a full pod reference, first/last timestamps `now`, `count` 1, no
 * `eventTime` (core/v1 events from the legacy recorder leave it null).
 *
 * @example Usage
 * ```ts ignore
 * await client.createEvent(ns, podEvent(pod, { type: "Normal", reason: "AddedInterface", message: "Add eth0 [10.244.1.5/24] from cbr0" }));
 * ```
 */
export function podEvent(pod: Pod, spec: PodEventSpec): CoreEvent {
  const now = spec.now ?? new Date();
  const component = spec.component ?? "multus";
  const namespace = pod.metadata.namespace || "default";
  // Unix nanoseconds; the sub-millisecond digits come from a counter so that two events
  // in the same millisecond get different names.
  const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000);
  const event: CoreEvent = {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${pod.metadata.name ?? ""}.${nanos.toString(16)}`, namespace },
    involvedObject: {
      kind: "Pod",
      namespace,
      name: pod.metadata.name ?? "",
      ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
      apiVersion: "v1",
      ...(pod.metadata.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}),
    },
    reason: spec.reason,
    message: spec.message,
    source: spec.host ? { component, host: spec.host } : { component },
    firstTimestamp: kubeTime(now),
    lastTimestamp: kubeTime(now),
    eventTime: null,
    count: 1,
    type: spec.type,
    reportingComponent: component,
    reportingInstance: spec.host ?? "",
  };
  return event;
}
