import assert from "node:assert/strict";
import { resolveRequest } from "./routes.ts";

const resolve = (method: string, path: string) => {
  const info = resolveRequest(method, new URL(path, "https://x"));
  return {
    verb: info.verb,
    resource: info.resource,
    namespace: info.namespace,
    name: info.name,
    subresource: info.subresource,
    served: info.type !== undefined,
    problem: info.problem,
  };
};

Deno.test("resolveRequest() maps methods and paths to Kubernetes verbs", () => {
  const cases: [string, string, Partial<ReturnType<typeof resolve>>][] = [
    ["GET", "/api/v1/namespaces/ns/pods/p", { verb: "get", namespace: "ns", name: "p" }],
    ["GET", "/api/v1/namespaces/ns/pods", { verb: "list", namespace: "ns" }],
    ["GET", "/api/v1/pods", { verb: "list", namespace: undefined }],
    ["GET", "/api/v1/pods?watch=true", { verb: "watch" }],
    ["GET", "/api/v1/pods?watch=1", { verb: "watch" }],
    ["GET", "/api/v1/watch/namespaces/ns/pods", { verb: "watch", namespace: "ns" }],
    ["PUT", "/api/v1/namespaces/ns/pods/p/status", { verb: "update", subresource: "status" }],
    ["PATCH", "/api/v1/namespaces/ns/pods/p/status", { verb: "patch", subresource: "status" }],
    ["GET", "/api/v1/namespaces/ns/pods/p/status", { verb: "get", subresource: "status" }],
    ["POST", "/api/v1/namespaces/ns/pods", { verb: "create" }],
    ["DELETE", "/api/v1/namespaces/ns/pods/p", { verb: "delete" }],
    ["DELETE", "/api/v1/namespaces/ns/pods", { verb: "deletecollection" }],
    ["POST", "/api/v1/namespaces/ns/events", { verb: "create", resource: "events" }],
    ["POST", "/apis/events.k8s.io/v1/namespaces/ns/events", { verb: "create", served: true }],
    [
      "GET",
      "/apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/n",
      { verb: "get", resource: "network-attachment-definitions", name: "n", served: true },
    ],
    ["GET", "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions", { verb: "list" }],
  ];
  for (const [method, path, expected] of cases) {
    const actual = resolve(method, path);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(actual[key as keyof typeof actual], value, `${method} ${path}: ${key}`);
    }
    assert.equal(actual.problem, undefined, `${method} ${path}`);
  }
});

Deno.test("resolveRequest() reports notFound for unserved resources and subresources", () => {
  for (
    const path of [
      "/",
      "/api/v1/namespaces/ns/configmaps/c",
      "/api/v1/namespaces/ns/pods/p/log",
      "/apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/n/status",
      "/apis/k8s.cni.cncf.io/v2/network-attachment-definitions",
    ]
  ) {
    assert.equal(resolve("GET", path).problem, "notFound", path);
  }
});

Deno.test("resolveRequest() reports methodNotAllowed for a wrong method on a served path", () => {
  for (
    const [method, path] of [
      ["POST", "/api/v1/namespaces/ns/pods/p"],
      ["PUT", "/api/v1/namespaces/ns/pods"],
      ["POST", "/api/v1/pods"],
      ["DELETE", "/api/v1/namespaces/ns/pods/p/status"],
      ["POST", "/version"],
    ]
  ) {
    assert.equal(
      resolve(method ?? "", path ?? "").problem,
      "methodNotAllowed",
      `${method} ${path}`,
    );
  }
});
