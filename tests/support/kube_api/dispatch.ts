/**
 * The double's request handler without a transport: a resolved request in, a JSON
 * response or a watch to start out. Errors become `Status` bodies here.
 *
 * @module
 */

import { handleGet, handleList, watchOptions } from "./read_handlers.ts";
import type { RequestInfo } from "./routes.ts";
import {
  failureStatus,
  KubeStatusError,
  methodNotAllowed,
  pathNotFound,
  type StatusBody,
} from "./status.ts";
import type { ObjectStore } from "./store.ts";
import type { WatchOptions } from "./watch.ts";
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handlePatch,
  handleUpdate,
} from "./write_handlers.ts";

/** A request the transport has read in full. */
export interface ApiRequest {
  /** What the path and method name. */
  readonly info: RequestInfo;
  /** The query parameters. */
  readonly query: URLSearchParams;
  /** `Content-Type` without parameters, lower-cased (`""` when absent). */
  readonly contentType: string;
  /** The body as text. */
  readonly body: string;
}

/** A complete response: JSON (objects, lists, Status) or plain text (`/healthz`). */
export type ApiResponse =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "text"; readonly status: number; readonly body: string };

/** A complete response, or a watch the transport must stream. */
export type ApiResult = ApiResponse | { readonly kind: "watch"; readonly options: WatchOptions };

/** Options of {@linkcode handleApiRequest}. */
export interface DispatchOptions {
  /** Interval between BOOKMARK events on watches that allow them. */
  readonly bookmarkIntervalMs: number;
}

/** The `/version` body. */
export const VERSION_INFO = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.0-multus-deno-test-double",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-08-13T00:00:00Z",
  goVersion: "go1.22.5",
  compiler: "gc",
  platform: "linux/amd64",
};

/** Serves one resolved, authenticated request against `store`. */
export function handleApiRequest(
  store: ObjectStore,
  request: ApiRequest,
  options: DispatchOptions,
): ApiResult {
  try {
    return dispatch(store, request, options);
  } catch (error) {
    return { kind: "json", status: statusCode(error), body: statusBody(error) };
  }
}

/** The Status body for any error (500 InternalError for non-Status errors). */
export function statusBody(error: unknown): StatusBody {
  if (error instanceof KubeStatusError) return error.status;
  return failureStatus(500, {
    message: `Internal error occurred: ${String(error)}`,
    details: { causes: [{ message: String(error) }] },
  });
}

function statusCode(error: unknown): number {
  return error instanceof KubeStatusError ? error.code : 500;
}

function dispatch(store: ObjectStore, request: ApiRequest, options: DispatchOptions): ApiResult {
  const { info } = request;
  if (info.problem === "methodNotAllowed") throw methodNotAllowed();
  if (info.info === "version") return { kind: "json", status: 200, body: VERSION_INFO };
  if (info.info !== undefined) return { kind: "text", status: 200, body: "ok" };
  const type = info.type;
  if (info.problem === "notFound" || type === undefined) throw pathNotFound();
  const resourceRequest = { info: { ...info, type }, query: request.query };
  const writeRequest = {
    ...resourceRequest,
    contentType: request.contentType,
    body: request.body,
  };
  switch (info.verb) {
    case "get":
      return json(200, handleGet(store, resourceRequest));
    case "list":
      return json(200, handleList(store, resourceRequest));
    case "watch":
      return { kind: "watch", options: watchOptions(resourceRequest, options) };
    case "create":
      return json(201, handleCreate(store, writeRequest));
    case "update":
      return json(200, handleUpdate(store, writeRequest));
    case "patch":
      return json(200, handlePatch(store, writeRequest));
    case "delete":
      return json(200, handleDelete(store, writeRequest));
    case "deletecollection":
      return json(200, handleDeleteCollection(store, writeRequest));
    default:
      throw methodNotAllowed();
  }
}

function json(status: number, body: unknown): ApiResult {
  return { kind: "json", status, body };
}
