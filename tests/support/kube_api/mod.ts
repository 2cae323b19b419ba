/**
 * The Kubernetes API test double: an in-process HTTPS server with the real API's semantics
 * for what Multus uses (pods, pods/status, network-attachment-definitions, events; list,
 * watch with bookmarks and replay, 409/410/415 Status bodies), a request log, fault
 * injection and a programmatic API. Never part of `dist/`.
 *
 * @module
 */

export type { Credentials, TokenUser, UserInfo } from "./auth.ts";
export type { EventFilter, NadOptions, StoreControls } from "./controls.ts";
export type { FailureSpec, OutageMode } from "./faults.ts";
export type { KubeObject, ObjectMeta, Pod } from "./objects.ts";
export type { RequestFilter, RequestRecord } from "./request_log.ts";
export { MULTUS_CLUSTER_ROLE, type PolicyRule } from "./rbac.ts";
export type { Verb } from "./routes.ts";
export {
  type GroupResource,
  KubeStatusError,
  type StatusBody,
  type StatusDetails,
} from "./status.ts";
export { CORE_EVENTS, EVENTS_V1, NADS, PODS, type ResourceType } from "./resources.ts";
export {
  type KubeApiDouble,
  type KubeApiDoubleOptions,
  type KubeApiTls,
  startKubeApiDouble,
} from "./server.ts";
