import assert from "node:assert/strict";
import { call } from "./_testing.ts";
import { MULTUS_CLUSTER_ROLE, type PolicyRule, rulesAllow } from "./rbac.ts";
import { resolveRequest } from "./routes.ts";
import { startKubeApiDouble } from "./server.ts";

const TOKEN = "rbac-token";
const USER = "system:serviceaccount:kube-system:multus";
const POD = "/api/v1/namespaces/ns/pods/p";

const allows = (rules: readonly PolicyRule[], method: string, path: string): boolean =>
  rulesAllow(rules, resolveRequest(method, new URL(path, "https://api")));

Deno.test("rulesAllow() holds Multus's ClusterRole to pods/status get, list, update, watch and no patch", () => {
  const r = MULTUS_CLUSTER_ROLE;
  assert.equal(allows(r, "PATCH", `${POD}/status`), false);
  assert.equal(allows(r, "PATCH", POD), false);
  assert.equal(allows(r, "PUT", `${POD}/status`), true);
  assert.equal(allows(r, "GET", POD), true);
  assert.equal(allows(r, "GET", "/api/v1/pods?watch=true"), true);
  assert.equal(allows(r, "DELETE", POD), false);
  assert.equal(
    allows(r, "DELETE", "/apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/n"),
    true,
    "k8s.cni.cncf.io: every verb",
  );
  assert.equal(allows(r, "POST", "/api/v1/namespaces/ns/events"), true);
  assert.equal(allows(r, "GET", "/api/v1/namespaces/ns/events"), false);
  assert.equal(allows(r, "GET", "/version"), true, "non-resource paths pass");
});

Deno.test("rulesAllow() matches a subresource only when the rule names it, and honours resourceNames", () => {
  const pods: PolicyRule[] = [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }];
  assert.equal(allows(pods, "PATCH", POD), true);
  assert.equal(allows(pods, "PATCH", `${POD}/status`), false);
  const named: PolicyRule[] = [
    { apiGroups: ["*"], resources: ["pods"], verbs: ["get"], resourceNames: ["q"] },
  ];
  assert.equal(allows(named, "GET", POD), false);
  assert.equal(allows(named, "GET", "/api/v1/namespaces/ns/pods/q"), true);
});

Deno.test("setRbac() makes the double answer 403 as the API server does, per verb and subresource", async () => {
  const api = await startKubeApiDouble({ tokens: [{ token: TOKEN, user: USER }] });
  try {
    api.createPod({ metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" } });
    api.setRbac(MULTUS_CLUSTER_ROLE);
    const patch = { metadata: { annotations: { a: "b" } } };
    const denied = await call(api, `${POD}/status`, {
      token: TOKEN,
      method: "PATCH",
      body: patch,
      contentType: "application/merge-patch+json",
    });
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `pods "p" is forbidden: User "${USER}" cannot patch resource "pods/status" ` +
        `in API group "" in the namespace "ns"`,
      reason: "Forbidden",
      details: { name: "p", kind: "pods" },
      code: 403,
    });
    assert.equal(api.getPod("ns", "p")?.metadata.annotations, undefined, "nothing written");
    const pod = (await call(api, POD, { token: TOKEN })).body;
    assert.equal(
      (await call(api, `${POD}/status`, { token: TOKEN, method: "PUT", body: pod })).status,
      200,
    );
    const list = await call(api, "/api/v1/namespaces/ns/events", { token: TOKEN });
    assert.equal(list.status, 403);
    assert.equal(
      list.body["message"],
      `events is forbidden: User "${USER}" cannot list resource "events" in API group "" in the namespace "ns"`,
    );
    api.setRbac(null);
    const allowed = await call(api, `${POD}/status`, {
      token: TOKEN,
      method: "PATCH",
      body: patch,
      contentType: "application/merge-patch+json",
    });
    assert.equal(allowed.status, 200);
  } finally {
    await api.stop();
  }
});

Deno.test("a PUT of pods/status replaces labels and annotations with the body's (never PUT a trimmed copy) and checks uid and resourceVersion", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    const created = api.createPod({
      metadata: {
        name: "p",
        namespace: "ns",
        uid: "u1",
        labels: { app: "web" },
        annotations: { x: "y" },
      },
      spec: { nodeName: "n1" },
      status: { phase: "Pending" },
    });
    const trimmed = {
      metadata: {
        name: "p",
        namespace: "ns",
        uid: "u1",
        resourceVersion: created.metadata.resourceVersion,
        annotations: { "k8s.v1.cni.cncf.io/network-status": "[]" },
      },
      spec: { nodeName: "elsewhere" },
    };
    const wrongUid = structuredClone(trimmed);
    wrongUid.metadata.uid = "u2";
    const refused = await call(api, `${POD}/status`, {
      token: TOKEN,
      method: "PUT",
      body: wrongUid,
    });
    assert.equal(refused.status, 409);
    assert.match(String(refused.body["message"]), /Precondition failed: UID in precondition: u2/);
    const put = await call(api, `${POD}/status`, { token: TOKEN, method: "PUT", body: trimmed });
    assert.equal(put.status, 200);
    const stored = api.getPod("ns", "p");
    assert.equal(stored?.metadata.labels, undefined, "labels gone");
    assert.deepEqual(stored?.metadata.annotations, { "k8s.v1.cni.cncf.io/network-status": "[]" });
    assert.equal(stored?.spec?.nodeName, "n1", "spec kept");
    assert.equal(stored?.status, undefined, "status replaced");
    const stale = await call(api, `${POD}/status`, { token: TOKEN, method: "PUT", body: trimmed });
    assert.equal(stale.status, 409, "the resourceVersion is a precondition");
  } finally {
    await api.stop();
  }
});

Deno.test("beforeNext() runs its action once, just before the next matching request is served", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.createPod({ metadata: { name: "p", namespace: "ns", uid: "u1" }, spec: {} });
    let runs = 0;
    api.beforeNext({ method: "GET", name: "p" }, () => {
      runs++;
      api.deletePod("ns", "p");
      api.createPod({ metadata: { name: "p", namespace: "ns", uid: "u2" }, spec: {} });
    });
    assert.equal((await call(api, "/api/v1/namespaces/ns/pods", { token: TOKEN })).status, 200);
    assert.equal(runs, 0);
    const first = await call(api, POD, { token: TOKEN });
    assert.equal((first.body["metadata"] as { uid: string }).uid, "u2");
    await call(api, POD, { token: TOKEN });
    assert.equal(runs, 1);
  } finally {
    await api.stop();
  }
});

Deno.test("a SelfSubjectAccessReview is answered from the RBAC rules: Multus's role may update pods/status, not patch it", async () => {
  const api = await startKubeApiDouble({ tokens: [{ token: TOKEN, user: USER }] });
  const review = async (attrs: Record<string, string>) => {
    const r = await call(api, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      token: TOKEN,
      method: "POST",
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: attrs },
      },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body["kind"], "SelfSubjectAccessReview");
    return (r.body["status"] as { allowed: boolean }).allowed;
  };
  try {
    assert.equal(await review({ verb: "patch", resource: "pods", subresource: "status" }), true);
    api.setRbac(MULTUS_CLUSTER_ROLE);
    assert.equal(await review({ verb: "patch", resource: "pods", subresource: "status" }), false);
    assert.equal(await review({ verb: "update", resource: "pods", subresource: "status" }), true);
    assert.equal(await review({ verb: "watch", resource: "pods" }), true);
    assert.equal(
      await review({
        verb: "list",
        group: "k8s.cni.cncf.io",
        resource: "network-attachment-definitions",
      }),
      true,
    );
    assert.equal(await review({ verb: "delete", resource: "pods", namespace: "ns" }), false);
    const bad = await call(api, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      token: TOKEN,
      method: "POST",
      body: { spec: {} },
    });
    assert.equal(bad.status, 422);
  } finally {
    await api.stop();
  }
});
