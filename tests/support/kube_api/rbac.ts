/**
 * Authorization as the API server's RBAC authorizer does it for resource requests: a
 * request passes when one rule names its API group, its resource (`pods/status` for a
 * subresource, `*` for any) and its verb (`*` for any); otherwise 403 Forbidden with the
 * server's message, e.g. `pods "p" is forbidden: User "u" cannot patch resource
 * "pods/status" in API group "" in the namespace "ns"`. Non-resource paths (`/version`,
 * `/healthz`) pass, as the default discovery roles grant them to everyone.
 *
 * @module
 */

import type { UserInfo } from "./auth.ts";
import type { RequestInfo, Verb } from "./routes.ts";
import { failureStatus, type StatusBody, type StatusDetails } from "./status.ts";

/** One rule of a (Cluster)Role, as in `rbac.authorization.k8s.io/v1`. */
export interface PolicyRule {
  /** API groups (`""` for core, `*` for any). */
  readonly apiGroups: readonly string[];
  /** Resources, `resource/subresource` for a subresource, `*` for any. */
  readonly resources: readonly string[];
  /** Verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, ...; `*`). */
  readonly verbs: readonly string[];
  /** When given, only these object names. */
  readonly resourceNames?: readonly string[];
}

/**
 * The rules of Go Multus's own ClusterRole `multus` (v4.1.4, `deployments/
 * multus-daemonset-thick.yml`): pods and pods/status get, list, update, watch and NO patch.
 */
export const MULTUS_CLUSTER_ROLE: readonly PolicyRule[] = [
  { apiGroups: ["k8s.cni.cncf.io"], resources: ["*"], verbs: ["*"] },
  {
    apiGroups: [""],
    resources: ["pods", "pods/status"],
    verbs: ["get", "list", "update", "watch"],
  },
  {
    apiGroups: ["resource.k8s.io"],
    resources: ["resourceclaims", "resourceclaims/status", "resourceslices"],
    verbs: ["get", "list"],
  },
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
];

function covers(list: readonly string[], value: string): boolean {
  return list.includes("*") || list.includes(value);
}

/** Whether `rules` allow the resource request `info` (non-resource requests always pass). */
export function rulesAllow(rules: readonly PolicyRule[], info: RequestInfo): boolean {
  if (info.verb === undefined) return true;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return rules.some((rule) =>
    covers(rule.verbs, info.verb ?? "") &&
    covers(rule.apiGroups, info.group) &&
    covers(rule.resources, resource) &&
    (rule.resourceNames === undefined || rule.resourceNames.length === 0 ||
      (info.name !== undefined && rule.resourceNames.includes(info.name)))
  );
}

/** The 403 Status the API server sends when `user` may not make the request `info`. */
export function forbiddenStatus(user: UserInfo, info: RequestInfo): StatusBody {
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : "at the cluster scope";
  const why = `User "${user.name}" cannot ${
    info.verb ?? ""
  } resource "${resource}" in API group "${info.group}" ${scope}`;
  const qualified = info.group === "" ? info.resource : `${info.resource}.${info.group}`;
  const message = info.name
    ? `${qualified} "${info.name}" is forbidden: ${why}`
    : `${qualified} is forbidden: ${why}`;
  const details: StatusDetails = { ...(info.name ? { name: info.name } : {}) };
  if (info.group !== "") details.group = info.group;
  details.kind = info.resource;
  return failureStatus(403, { message, details });
}

/** The API path of SelfSubjectAccessReviews (create only). */
export const SELF_SUBJECT_ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/**
 * Answers a `POST` of a SelfSubjectAccessReview as the API server does (every
 * authenticated user may create one: `system:basic-user`): `status.allowed` from `rules`
 * (null allows everything) for `spec.resourceAttributes`, the review echoed back with
 * 201. A body without `spec.resourceAttributes` or `nonResourceAttributes` is a 400
 * Invalid; non-resource attributes are allowed, as for the other non-resource paths.
 */
export function answerAccessReview(
  rules: readonly PolicyRule[] | null,
  user: UserInfo,
  body: string,
): { status: number; body: unknown } {
  let review: Record<string, unknown>;
  try {
    review = JSON.parse(body) as Record<string, unknown>;
  } catch (err) {
    return {
      status: 400,
      body: failureStatus(400, { message: `the body is not JSON: ${(err as Error).message}` }),
    };
  }
  const spec = (review["spec"] ?? {}) as Record<string, unknown>;
  const attrs = spec["resourceAttributes"] as Record<string, string | undefined> | undefined;
  if (!attrs && !spec["nonResourceAttributes"]) {
    const message =
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified';
    return { status: 422, body: failureStatus(422, { message }) };
  }
  let allowed = true;
  if (attrs && rules) {
    allowed = rulesAllow(rules, {
      verb: (attrs["verb"] ?? "") as Verb,
      resource: attrs["resource"] ?? "",
      group: attrs["group"] ?? "",
      subresource: attrs["subresource"] || undefined,
      namespace: attrs["namespace"] || undefined,
      name: attrs["name"] || undefined,
    });
  }
  const reason = allowed ? (rules ? `RBAC: allowed for User "${user.name}"` : "") : "";
  return {
    status: 201,
    body: {
      kind: "SelfSubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed, ...(reason ? { reason } : {}) },
    },
  };
}
