/**
 * GET, LIST and the parameters of WATCH, with the real server's list shape (items of
 * built-in types carry no kind/apiVersion, custom resources' do) and `limit`/`continue`.
 *
 * @module
 */

import type { KubeObject } from "./objects.ts";
import { apiVersionOf, type ResourceType } from "./resources.ts";
import type { RequestInfo } from "./routes.ts";
import { type ObjectFilter, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { badRequest, notFound } from "./status.ts";
import type { ObjectStore } from "./store.ts";
import { matchesFilter } from "./selectors.ts";
import type { WatchOptions } from "./watch.ts";

/** A served request: what the path names, and the query. */
export interface ResourceRequest {
  /** The resolved path; `type` is set. */
  readonly info: RequestInfo & { readonly type: ResourceType };
  /** The query parameters. */
  readonly query: URLSearchParams;
}

/** GET of one object. */
export function handleGet(store: ObjectStore, request: ResourceRequest): KubeObject {
  const { type, namespace = "", name = "" } = request.info;
  const obj = store.get(type, { namespace, name });
  if (!obj) throw notFound(type, name);
  return obj;
}

/** The filter of a list or watch: path namespace (and name), fieldSelector, labelSelector. */
export function requestFilter(request: ResourceRequest): ObjectFilter {
  const { type, namespace, name } = request.info;
  const fields = parseFieldSelector(type, request.query.get("fieldSelector"));
  if (name !== undefined) fields.push({ field: "metadata.name", op: "=", value: name });
  return { namespace, fields, labels: parseLabelSelector(request.query.get("labelSelector")) };
}

/** LIST with selectors and optional `limit`/`continue` paging. */
export function handleList(
  store: ObjectStore,
  request: ResourceRequest,
): Record<string, unknown> {
  const { type } = request.info;
  const filter = requestFilter(request);
  const token = decodeContinue(request.query.get("continue"));
  const limit = parseLimit(request.query.get("limit"));
  const resourceVersion = token?.rv ?? store.resourceVersion;
  let items = store.list(type, filter.namespace).filter((obj) => matchesFilter(obj, filter));
  if (token) items = items.filter((obj) => objectKey(obj) > token.start);
  const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
  if (limit !== undefined && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1];
    metadata["continue"] = encodeContinue({
      rv: resourceVersion,
      start: last ? objectKey(last) : "",
    });
    metadata["remainingItemCount"] = remaining;
  }
  if (!type.typedListItems) {
    for (const item of items) {
      delete item.kind;
      delete item.apiVersion;
    }
  }
  return { kind: type.listKind, apiVersion: apiVersionOf(type), metadata, items };
}

/** The watch parameters of a request (400 for a malformed resourceVersion). */
export function watchOptions(
  request: ResourceRequest,
  defaults: { bookmarkIntervalMs: number },
): WatchOptions {
  const { query } = request;
  const rvText = query.get("resourceVersion") ?? "";
  if (rvText !== "" && !/^[0-9]+$/.test(rvText)) {
    throw badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
  }
  const timeout = query.get("timeoutSeconds");
  return {
    type: request.info.type,
    filter: requestFilter(request),
    resourceVersion: rvText === "" ? undefined : Number(rvText),
    allowBookmarks: parseBool(query.get("allowWatchBookmarks")),
    bookmarkIntervalMs: defaults.bookmarkIntervalMs,
    timeoutSeconds: timeout === null || timeout === "" ? undefined : Number(timeout) || undefined,
    sendInitialEvents: parseBool(query.get("sendInitialEvents")),
  };
}

/** Go's strconv.ParseBool truthy spellings. */
export function parseBool(value: string | null): boolean {
  return value !== null && ["1", "t", "T", "true", "TRUE", "True"].includes(value);
}

function parseLimit(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

function encodeContinue(token: ContinueToken): string {
  const json = JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start });
  return btoa(String.fromCharCode(...new TextEncoder().encode(json)));
}

function decodeContinue(value: string | null): ContinueToken | undefined {
  if (value === null || value === "") return undefined;
  try {
    const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const record = parsed as { rv?: unknown; start?: unknown };
    if (typeof record.rv === "number" && typeof record.start === "string") {
      return { rv: record.rv, start: record.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: ${value}`);
}
