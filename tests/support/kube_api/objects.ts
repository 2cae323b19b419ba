/**
 * Object shapes and the server-side object rules: system metadata on create, what an
 * update of the main resource or of the `status` subresource may change, and field access
 * by dotted path.
 *
 * @module
 */

import { apiVersionOf, PODS, type ResourceType } from "./resources.ts";

/** `metav1.ObjectMeta` (the fields the double looks at; others pass through). */
export interface ObjectMeta {
  /** Object name. */
  name?: string;
  /** Name prefix; the server appends 5 random characters. */
  generateName?: string;
  /** Namespace. */
  namespace?: string;
  /** Server-set unique id. */
  uid?: string;
  /** Server-set opaque version (numeric here). */
  resourceVersion?: string;
  /** Server-set RFC 3339 creation time. */
  creationTimestamp?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Any other metadata field. */
  [field: string]: unknown;
}

/** Any API object. */
export interface KubeObject {
  /** `v1` or `group/version`. */
  apiVersion?: string;
  /** Object kind. */
  kind?: string;
  /** Object metadata. */
  metadata: ObjectMeta;
  /** `spec`, `status` and any other field. */
  [field: string]: unknown;
}

/** A core/v1 Pod (the fields tests usually touch are typed). */
export interface Pod extends KubeObject {
  /** Pod spec; `nodeName` is what Multus's informer selects on. */
  spec?: { nodeName?: string; [field: string]: unknown };
  /** Pod status; `phase` defaults to `Pending`. */
  status?: { phase?: string; [field: string]: unknown };
}

/** Options of {@linkcode prepareCreate}. */
export interface PrepareCreateOptions {
  /** The namespace from the URL (or the programmatic call). */
  readonly namespace: string;
  /** Keep a caller-provided `metadata.uid` (programmatic creates only). */
  readonly keepUid?: boolean;
}

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Fills system metadata for a new object (uid, creationTimestamp, namespace, name from generateName) and kind defaults; the store sets resourceVersion. */
export function prepareCreate(
  type: ResourceType,
  input: KubeObject,
  options: PrepareCreateOptions,
): KubeObject {
  const obj = structuredClone(input);
  obj.apiVersion = apiVersionOf(type);
  obj.kind = type.kind;
  const meta: ObjectMeta = { ...(obj.metadata ?? {}) };
  if (!meta.name && meta.generateName) {
    let suffix = "";
    for (let i = 0; i < 5; i++) {
      suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
    }
    meta.name = meta.generateName + suffix;
  }
  meta.namespace = options.namespace;
  if (!options.keepUid || !meta.uid) meta.uid = crypto.randomUUID();
  meta.creationTimestamp = timestamp();
  delete meta.resourceVersion;
  obj.metadata = meta;
  if (type === PODS) {
    const status = isRecord(obj["status"]) ? obj["status"] : {};
    if (status["phase"] === undefined) status["phase"] = "Pending";
    obj["status"] = status;
  }
  return obj;
}

/** Inputs of {@linkcode prepareUpdate}. */
export interface UpdateInput {
  /** The stored object. */
  readonly current: KubeObject;
  /** The object the client sent (or the patched object). */
  readonly incoming: KubeObject;
  /** `status` for the status subresource. */
  readonly subresource?: string | undefined;
}

/**
 * The object a PUT/PATCH stores: `incoming` with system metadata (name, namespace, uid,
 * creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds) taken from `current`.
 * On the main resource of a type with a status subresource, `status` is kept; on the
 * `status` subresource, `spec` and `ownerReferences` are kept (pods/status semantics: status,
 * labels and annotations change).
 */
export function prepareUpdate(type: ResourceType, input: UpdateInput): KubeObject {
  const { current, subresource } = input;
  const obj = structuredClone(input.incoming);
  obj.apiVersion = apiVersionOf(type);
  obj.kind = type.kind;
  const meta: ObjectMeta = { ...(isRecord(obj.metadata) ? obj.metadata : {}) };
  for (const key of SYSTEM_META) copyMeta(meta, current.metadata, key);
  delete meta.resourceVersion;
  obj.metadata = meta;
  if (subresource === "status") {
    copyField(obj, current, "spec");
    copyMeta(meta, current.metadata, "ownerReferences");
  } else if (type.statusSubresource) {
    copyField(obj, current, "status");
  }
  return obj;
}

const SYSTEM_META = [
  "name",
  "namespace",
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

const META_ORDER = [
  "name",
  "generateName",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
];

/** The object with keys in the real server's order (kind, apiVersion, metadata, spec, status). */
export function canonicalOrder<T extends KubeObject>(obj: T): T {
  const { kind, apiVersion, metadata, ...rest } = obj;
  const meta: Record<string, unknown> = {};
  for (const key of META_ORDER) if (metadata[key] !== undefined) meta[key] = metadata[key];
  for (const [key, value] of Object.entries(metadata)) if (!(key in meta)) meta[key] = value;
  const { spec, status, ...others } = rest;
  const out: Record<string, unknown> = {};
  if (kind !== undefined) out["kind"] = kind;
  if (apiVersion !== undefined) out["apiVersion"] = apiVersion;
  out["metadata"] = meta;
  Object.assign(out, others);
  if (spec !== undefined) out["spec"] = spec;
  if (status !== undefined) out["status"] = status;
  return out as T;
}

/** The value at a dotted path (`spec.nodeName`), or undefined. */
export function fieldAt(obj: unknown, path: string): unknown {
  let value: unknown = obj;
  for (const part of path.split(".")) {
    if (!isRecord(value)) return undefined;
    value = value[part];
  }
  return value;
}

/** Whether `value` is a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 3339 timestamp with second precision, as metav1.Time serialises. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function copyField(target: KubeObject, source: KubeObject, key: string): void {
  if (source[key] === undefined) delete target[key];
  else target[key] = structuredClone(source[key]);
}

function copyMeta(target: ObjectMeta, source: ObjectMeta, key: string): void {
  if (source[key] === undefined) delete target[key];
  else target[key] = structuredClone(source[key]);
}
