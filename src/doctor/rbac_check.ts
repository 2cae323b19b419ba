/**
 * Check 3: every permission the mode needs, asked of the API server itself with one
 * SelfSubjectAccessReview per verb and resource (what `kubectl auth can-i` does), so
 * that the answer covers every authorizer and binding, Multus's own ClusterRole included.
 *
 * - thick (the daemon): pods get, list, watch; network-attachment-definitions get, list,
 *   watch; pods/status patch, or update (Multus's role has update and no patch: a
 *   warning, the write then costs a GET first); events create and patch (a warning when
 *   missing: pods still start, their events are lost);
 * - thin (the plugin): pods get, network-attachment-definitions get, pods/status and
 *   events as in thick mode.
 *
 * @module
 */
import type { AccessReviewStatus, ResourceAttributes } from "../kube/mod.ts";
import { type Finding, finding, messageOf } from "./report.ts";

/** Asks one SelfSubjectAccessReview. */
export type AccessReviewer = (attributes: ResourceAttributes) => Promise<AccessReviewStatus>;

interface Need {
  label: string;
  group: string;
  resource: string;
  subresource?: string;
  verbs: string[];
}

const NAD_GROUP = "k8s.cni.cncf.io";

function needs(thick: boolean): Need[] {
  const readVerbs = thick ? ["get", "list", "watch"] : ["get"];
  return [
    { label: "pods", group: "", resource: "pods", verbs: readVerbs },
    {
      label: "network-attachment-definitions",
      group: NAD_GROUP,
      resource: "network-attachment-definitions",
      verbs: readVerbs,
    },
  ];
}

async function allowed(
  review: AccessReviewer,
  attrs: ResourceAttributes,
): Promise<boolean> {
  return (await review(attrs)).allowed === true;
}

function attributes(
  verb: string,
  group: string,
  resource: string,
  subresource?: string,
): ResourceAttributes {
  return { verb, group, resource, ...(subresource ? { subresource } : {}) };
}

/** Runs the permission checks for the mode. */
export async function checkRbac(thick: boolean, review: AccessReviewer): Promise<Finding[]> {
  const out: Finding[] = [];
  try {
    for (const need of needs(thick)) {
      const missing: string[] = [];
      for (const verb of need.verbs) {
        if (!(await allowed(review, attributes(verb, need.group, need.resource)))) {
          missing.push(verb);
        }
      }
      out.push(
        missing.length === 0
          ? finding("rbac", "pass", `${need.label}: ${need.verbs.join(", ")} granted`)
          : finding(
            "rbac",
            "fail",
            `${need.label}: ${missing.join(", ")} not granted`,
            `grant ${missing.join(", ")} on ${need.label}${
              need.group ? ` (group ${need.group})` : ""
            } in the ClusterRole bound to Multus's service account`,
          ),
      );
    }
    const patch = await allowed(review, attributes("patch", "", "pods", "status"));
    const update = patch ? true : await allowed(review, attributes("update", "", "pods", "status"));
    out.push(
      patch
        ? finding("rbac", "pass", "pods/status: patch granted (one request per status write)")
        : update
        ? finding(
          "rbac",
          "warn",
          "pods/status: update granted, patch not (Multus's ClusterRole): each network-status write reads the pod first",
          "add patch to the pods/status rule of the ClusterRole",
        )
        : finding(
          "rbac",
          "fail",
          "pods/status: neither patch nor update granted: the network-status annotation cannot be written",
          "grant patch (or update) on pods/status in the ClusterRole",
        ),
    );
    const eventsMissing: string[] = [];
    for (const verb of ["create", "patch"]) {
      if (!(await allowed(review, attributes(verb, "", "events")))) eventsMissing.push(verb);
    }
    out.push(
      eventsMissing.length === 0
        ? finding("rbac", "pass", "events: create, patch granted")
        : finding(
          "rbac",
          "warn",
          `events: ${eventsMissing.join(", ")} not granted: pods' Multus events are lost`,
          `grant ${eventsMissing.join(", ")} on events in the ClusterRole`,
        ),
    );
  } catch (err) {
    out.push(finding(
      "rbac",
      "fail",
      `SelfSubjectAccessReview failed: ${messageOf(err)}`,
      "the API must serve authorization.k8s.io/v1 (every user may create SelfSubjectAccessReviews)",
    ));
  }
  return out;
}
