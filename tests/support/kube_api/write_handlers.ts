/**
 * POST, PUT, PATCH, DELETE and DELETE-collection with the real server's checks: media
 * types (415), name/namespace agreement with the URL (400), optimistic concurrency on
 * `metadata.resourceVersion` (409), AlreadyExists (409), DeleteOptions preconditions.
 *
 * @module
 */

import { isRecord, type KubeObject, prepareCreate, prepareUpdate } from "./objects.ts";
import { decodeJsonPatch, jsonPatch, mergePatch } from "./patch.ts";
import { requestFilter, type ResourceRequest } from "./read_handlers.ts";
import { apiVersionOf } from "./resources.ts";
import { matchesFilter } from "./selectors.ts";
import {
  badRequest,
  conflict,
  deletedStatus,
  failureStatus,
  invalid,
  KubeStatusError,
  notFound,
  type StatusBody,
  unsupportedMediaType,
} from "./status.ts";
import type { ObjectStore } from "./store.ts";

/** A write request: the resolved path and query plus the body. */
export interface WriteRequest extends ResourceRequest {
  /** `Content-Type` without parameters, lower-cased; `""` when absent. */
  readonly contentType: string;
  /** The request body as text. */
  readonly body: string;
}

const BODY_TYPES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
const MERGE = "application/merge-patch+json";
const STRATEGIC = "application/strategic-merge-patch+json";
const JSON_PATCH = "application/json-patch+json";
const APPLY = "application/apply-patch+yaml";

/** POST: 201 with the stored object. */
export function handleCreate(store: ObjectStore, request: WriteRequest): KubeObject {
  const { type, namespace = "" } = request.info;
  const body = decodeObject(request);
  const meta = body.metadata;
  if (meta.namespace && meta.namespace !== namespace) {
    throw badRequest(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  if (!meta.name && !meta.generateName) {
    throw invalid({ group: type.group, kind: type.kind, name: "" }, {
      field: "metadata.name",
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
    });
  }
  if (meta.resourceVersion) {
    throw new KubeStatusError(failureStatus(500, {
      reason: "",
      message: "resourceVersion should not be set on objects to be created",
    }));
  }
  return store.create(type, prepareCreate(type, body, { namespace }));
}

/** PUT of the object or its status subresource: 200 with the stored object. */
export function handleUpdate(store: ObjectStore, request: WriteRequest): KubeObject {
  const incoming = decodeObject(request);
  return storeUpdate(store, request, incoming);
}

/** PATCH (merge, strategic-merge treated as merge, JSON patch): 200 with the stored object. */
export function handlePatch(store: ObjectStore, request: WriteRequest): KubeObject {
  const { type, namespace = "", name = "" } = request.info;
  const accepted = [JSON_PATCH, MERGE, APPLY, ...(type.strategicMerge ? [STRATEGIC] : [])];
  const kind = request.contentType;
  if (!accepted.includes(kind) || kind === APPLY) throw unsupportedMediaType(accepted);
  const patch = parseJson(request.body);
  const current = store.get(type, { namespace, name });
  if (!current) throw notFound(type, name);
  const patched = kind === JSON_PATCH
    ? jsonPatch(current, decodeJsonPatch(patch))
    : mergePatch(current, isRecord(patch) ? patch : badPatch());
  if (!isRecord(patched) || !isRecord(patched["metadata"])) {
    throw badRequest("the patched object is not a valid object: metadata is missing");
  }
  return storeUpdate(store, request, patched as KubeObject);
}

/** DELETE: the object (pods) or a Success Status (other resources). */
export function handleDelete(store: ObjectStore, request: WriteRequest): KubeObject | StatusBody {
  const { type, namespace = "", name = "" } = request.info;
  const options = request.body.trim() === "" ? {} : parseJson(request.body);
  const preconditions = isRecord(options) && isRecord(options["preconditions"])
    ? options["preconditions"]
    : {};
  const deleted = store.delete(type, {
    namespace,
    name,
    preconditions: {
      resourceVersion: stringOr(preconditions["resourceVersion"]),
      uid: stringOr(preconditions["uid"]),
    },
  });
  if (type.deleteReturnsObject) return deleted;
  return deletedStatus(type, name, deleted.metadata.uid ?? "");
}

/** DELETE on a collection: the deleted objects as a list. */
export function handleDeleteCollection(
  store: ObjectStore,
  request: WriteRequest,
): Record<string, unknown> {
  const { type } = request.info;
  const filter = requestFilter(request);
  const items = store.list(type, filter.namespace).filter((obj) => matchesFilter(obj, filter))
    .map((obj) =>
      store.delete(type, { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" })
    );
  return {
    kind: type.listKind,
    apiVersion: apiVersionOf(type),
    metadata: { resourceVersion: String(store.resourceVersion) },
    items,
  };
}

function storeUpdate(store: ObjectStore, request: WriteRequest, incoming: KubeObject): KubeObject {
  const { type, namespace = "", name = "", subresource } = request.info;
  const meta = incoming.metadata;
  if (meta.name !== name) {
    throw badRequest(
      `the name of the object (${meta.name ?? ""}) does not match the name on the URL (${name})`,
    );
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw badRequest(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  const current = store.get(type, { namespace, name });
  if (!current) throw notFound(type, name);
  checkUid(request, current, meta.uid);
  const next = prepareUpdate(type, { current, incoming, subresource });
  return store.update(type, next, { resourceVersion: meta.resourceVersion });
}

/**
 * A `metadata.uid` that differs from the stored one: for PUT it is a precondition (the
 * apiserver derives `Preconditions{UID}` from the body) and fails with 409; for PATCH the
 * patched object fails validation (`metadata.uid` is immutable) with 422. Either way a
 * write aimed at a pod that was deleted and recreated under the same name is refused.
 */
function checkUid(request: WriteRequest, current: KubeObject, uid: unknown): void {
  const stored = current.metadata.uid ?? "";
  if (typeof uid !== "string" || uid === "" || uid === stored) return;
  const { type, name = "" } = request.info;
  if (request.info.verb === "patch") {
    throw invalid({ group: type.group, kind: type.kind, name }, {
      field: "metadata.uid",
      reason: "FieldValueInvalid",
      message: `Invalid value: "${uid}": field is immutable`,
    });
  }
  throw conflict(
    type,
    name,
    `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored}`,
  );
}

function decodeObject(request: WriteRequest): KubeObject {
  if (request.contentType !== "" && request.contentType !== "application/json") {
    throw unsupportedMediaType(BODY_TYPES);
  }
  const body = parseJson(request.body);
  if (!isRecord(body)) throw badRequest("Object 'Kind' is missing in request body");
  if (body["metadata"] === undefined) body["metadata"] = {};
  if (!isRecord(body["metadata"])) {
    throw badRequest("json: cannot unmarshal metadata into Go struct field ObjectMeta");
  }
  return body as KubeObject;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding request body: ${(error as Error).message}`);
  }
}

function badPatch(): never {
  throw badRequest(
    "json: cannot unmarshal non-object into Go value of type map[string]interface {}",
  );
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
