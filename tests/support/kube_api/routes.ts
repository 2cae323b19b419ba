/**
 * Maps an HTTP method and path to a Kubernetes request (verb, resource, namespace, name,
 * subresource), as the API server's request-info resolver does.
 *
 * @module
 */

import { findResourceType, type ResourceType } from "./resources.ts";

/** The Kubernetes verbs the double distinguishes. */
export type Verb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection";

/** What a request path and method name. */
export interface RequestInfo {
  /** The verb; undefined for non-resource paths. */
  readonly verb?: Verb | undefined;
  /** The plural resource from the path, served or not (`""` for non-resource paths). */
  readonly resource: string;
  /** API group from the path (`""` for core). */
  readonly group: string;
  /** `status` for pods/status. */
  readonly subresource?: string | undefined;
  /** Namespace from the path. */
  readonly namespace?: string | undefined;
  /** Object name from the path. */
  readonly name?: string | undefined;
  /** The served resource, when the path names one and the method/subresource are served. */
  readonly type?: ResourceType | undefined;
  /** Why the path is not served: unknown path, or known path with a wrong method. */
  readonly problem?: "notFound" | "methodNotAllowed" | undefined;
  /** `version`, `healthz`, `readyz`, `livez` for the informational endpoints. */
  readonly info?: string | undefined;
}

const INFO_PATHS = new Set(["/version", "/healthz", "/readyz", "/livez"]);

/** Resolves `method` and the URL's path and query into a {@linkcode RequestInfo}. */
export function resolveRequest(method: string, url: URL): RequestInfo {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (INFO_PATHS.has(path)) {
    return method === "GET"
      ? { resource: "", group: "", info: path.slice(1) }
      : { resource: "", group: "", problem: "methodNotAllowed" };
  }
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) {
    group = "";
    version = parts[1] ?? "";
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1] ?? "";
    version = parts[2] ?? "";
    rest = parts.slice(3);
  } else {
    return { resource: "", group: "", problem: "notFound" };
  }
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = "", name, subresource, ...extra] = rest;
  const base = { resource, group, namespace, name, subresource };
  const type = findResourceType(group, version, resource);
  if (!type || extra.length > 0 || resource === "") return { ...base, problem: "notFound" };
  if (subresource !== undefined && !(subresource === "status" && type.statusSubresource)) {
    return { ...base, problem: "notFound" };
  }
  const watchParam = url.searchParams.get("watch");
  const watch = legacyWatch || watchParam === "true" || watchParam === "1";
  const verb = verbFor(method, { named: name !== undefined, watch });
  const allowed = verb !== undefined &&
    (!legacyWatch || method === "GET") &&
    (type.clusterScoped
      ? namespace === undefined
      : namespace !== undefined || verb === "list" || verb === "watch") &&
    (subresource === undefined || verb === "get" || verb === "update" || verb === "patch");
  if (!allowed) return { ...base, verb, problem: "methodNotAllowed" };
  return { ...base, verb, type };
}

function verbFor(method: string, path: { named: boolean; watch: boolean }): Verb | undefined {
  if (path.named) {
    switch (method) {
      case "GET":
        return path.watch ? "watch" : "get";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return "delete";
      default:
        return undefined;
    }
  }
  switch (method) {
    case "GET":
      return path.watch ? "watch" : "list";
    case "POST":
      return "create";
    case "DELETE":
      return "deletecollection";
    default:
      return undefined;
  }
}
