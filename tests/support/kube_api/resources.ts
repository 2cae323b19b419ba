/**
 * The resources the double serves, described as data: group/version, plural, kinds, the
 * field labels the real server accepts in `fieldSelector`, and the storage strategy quirks
 * (status subresource, list-item typing, delete response, strategic merge support).
 *
 * @module
 */

import type { GroupResource } from "./status.ts";

/** One served resource. */
export interface ResourceType extends GroupResource {
  /** API version, e.g. `v1`. */
  readonly version: string;
  /** Object kind, e.g. `Pod`. */
  readonly kind: string;
  /** List kind, e.g. `PodList`. */
  readonly listKind: string;
  /** Field labels accepted by `fieldSelector` besides `metadata.name`/`metadata.namespace`. */
  readonly fieldLabels: readonly string[];
  /** Whether list items carry `kind`/`apiVersion` (custom resources do, built-ins do not). */
  readonly typedListItems: boolean;
  /** Whether a `status` subresource exists (main-resource writes then keep `status`). */
  readonly statusSubresource: boolean;
  /** Whether `application/strategic-merge-patch+json` is accepted (built-ins only). */
  readonly strategicMerge: boolean;
  /** Whether DELETE returns the object (pods) rather than a Success Status. */
  readonly deleteReturnsObject: boolean;
  /** Cluster-scoped (no namespace in its paths), e.g. CertificateSigningRequests. */
  readonly clusterScoped?: boolean;
}

/** `apiVersion` of a resource's objects: `v1` or `group/version`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** core/v1 pods. */
export const PODS: ResourceType = {
  group: "",
  version: "v1",
  resource: "pods",
  kind: "Pod",
  listKind: "PodList",
  fieldLabels: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  typedListItems: false,
  statusSubresource: true,
  strategicMerge: true,
  deleteReturnsObject: true,
};

/** k8s.cni.cncf.io/v1 network-attachment-definitions (a CRD without status). */
export const NADS: ResourceType = {
  group: "k8s.cni.cncf.io",
  version: "v1",
  resource: "network-attachment-definitions",
  kind: "NetworkAttachmentDefinition",
  listKind: "NetworkAttachmentDefinitionList",
  fieldLabels: [],
  typedListItems: true,
  statusSubresource: false,
  strategicMerge: false,
  deleteReturnsObject: false,
};

const EVENT_FIELDS = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
];

/** core/v1 events. */
export const CORE_EVENTS: ResourceType = {
  group: "",
  version: "v1",
  resource: "events",
  kind: "Event",
  listKind: "EventList",
  fieldLabels: EVENT_FIELDS,
  typedListItems: false,
  statusSubresource: false,
  strategicMerge: true,
  deleteReturnsObject: false,
};

/** events.k8s.io/v1 events (stored apart from core events here). */
export const EVENTS_V1: ResourceType = {
  group: "events.k8s.io",
  version: "v1",
  resource: "events",
  kind: "Event",
  listKind: "EventList",
  fieldLabels: [
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "reason",
    "reportingController",
    "type",
  ],
  typedListItems: false,
  statusSubresource: false,
  strategicMerge: true,
  deleteReturnsObject: false,
};

/** certificates.k8s.io/v1 certificatesigningrequests (cluster-scoped; perNodeCertificate). */
export const CSRS: ResourceType = {
  group: "certificates.k8s.io",
  version: "v1",
  resource: "certificatesigningrequests",
  kind: "CertificateSigningRequest",
  listKind: "CertificateSigningRequestList",
  fieldLabels: ["spec.signerName"],
  typedListItems: false,
  statusSubresource: true,
  strategicMerge: true,
  deleteReturnsObject: false,
  clusterScoped: true,
};

/** resource.k8s.io/v1 resourceclaims (DRA; namespaced). */
export const RESOURCE_CLAIMS: ResourceType = {
  group: "resource.k8s.io",
  version: "v1",
  resource: "resourceclaims",
  kind: "ResourceClaim",
  listKind: "ResourceClaimList",
  fieldLabels: [],
  typedListItems: false,
  statusSubresource: true,
  strategicMerge: true,
  deleteReturnsObject: false,
};

/** resource.k8s.io/v1 resourceslices (DRA; cluster-scoped). */
export const RESOURCE_SLICES: ResourceType = {
  group: "resource.k8s.io",
  version: "v1",
  resource: "resourceslices",
  kind: "ResourceSlice",
  listKind: "ResourceSliceList",
  fieldLabels: ["spec.nodeName", "spec.driver"],
  typedListItems: false,
  statusSubresource: false,
  strategicMerge: true,
  deleteReturnsObject: false,
  clusterScoped: true,
};

/** Every served resource. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  PODS,
  NADS,
  CORE_EVENTS,
  EVENTS_V1,
  CSRS,
  RESOURCE_CLAIMS,
  RESOURCE_SLICES,
];

/** The served resource at `group`/`version`/`resource`, if any. */
export function findResourceType(
  group: string,
  version: string,
  resource: string,
): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) =>
    t.group === group && t.version === version && t.resource === resource
  );
}
