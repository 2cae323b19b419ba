/**
 * The shapes of the Kubernetes objects Multus reads and writes, as JSON on the wire
 * (timestamps are RFC 3339 strings, not `Date`s as in `@kubernetes/client-node`'s classes).
 * Only the fields Multus uses are named; every object keeps the rest of what the server
 * sent.
 *
 * @module
 */

/** `metav1.ObjectMeta`, the fields Multus uses. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A core/v1 Pod. */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [key: string]: unknown };
  status?: {
    phase?: string;
    resourceClaimStatuses?: { name: string; resourceClaimName?: string }[];
    [key: string]: unknown;
  };
}

/** A `resource.k8s.io/v1` ResourceClaim: the parts Multus reads (the allocation). */
export interface ResourceClaim extends KubeObject {
  status?: {
    allocation?: {
      devices?: {
        results?: Array<{ request: string; driver: string; pool: string; device: string }>;
      };
    };
  };
}

/** A `resource.k8s.io/v1` ResourceSlice: the parts Multus reads (devices' attributes). */
export interface ResourceSlice extends KubeObject {
  spec?: {
    driver?: string;
    nodeName?: string;
    pool?: { name?: string };
    devices?: Array<{
      name: string;
      attributes?: Record<string, { string?: string; [kind: string]: unknown }>;
    }>;
  };
}

/** A `k8s.cni.cncf.io/v1` NetworkAttachmentDefinition. */
export interface NetworkAttachmentDefinition extends KubeObject {
  spec?: { config?: string };
}

/** `v1.ObjectReference` as an Event's `involvedObject`. */
export interface ObjectReference {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** A core/v1 Event (what client-go's `record.EventRecorder` posts). */
export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: "Normal" | "Warning";
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
  reportingComponent?: string;
  reportingInstance?: string;
}

/** A list response (`PodList`, `NetworkAttachmentDefinitionList`). */
export interface KubeList<T extends KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** `metav1.Status`, the body of every API error. */
export interface KubeStatus {
  kind?: "Status";
  apiVersion?: string;
  status?: "Success" | "Failure";
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  metadata?: Record<string, unknown>;
}

/** One event of a watch stream. `ERROR` carries a Status (410 Expired, for one). */
export type WatchEvent<T extends KubeObject> =
  | { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }
  | { type: "ERROR"; object: KubeStatus };
