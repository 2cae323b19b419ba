import assert from "node:assert/strict";
import { call } from "./_testing.ts";
import { startKubeApiDouble } from "./server.ts";

const TOKEN = "reader-token";

async function withPods(
  fn: (api: Awaited<ReturnType<typeof startKubeApiDouble>>) => Promise<void>,
) {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.createPod({
      metadata: { name: "a", namespace: "ns1", labels: { app: "web" } },
      spec: { nodeName: "n1" },
    });
    api.createPod({ metadata: { name: "b", namespace: "ns1" }, spec: { nodeName: "n2" } });
    api.createPod({
      metadata: { name: "c", namespace: "ns2", labels: { app: "web" } },
      spec: { nodeName: "n1" },
    });
    await fn(api);
  } finally {
    await api.stop();
  }
}

const names = (body: Record<string, unknown>) =>
  (body["items"] as { metadata: { namespace: string; name: string } }[])
    .map((i) => `${i.metadata.namespace}/${i.metadata.name}`);

Deno.test("handleGet() returns the pod with kind, apiVersion and server-filled metadata", async () => {
  await withPods(async (api) => {
    const { status, body } = await call(api, "/api/v1/namespaces/ns1/pods/a", { token: TOKEN });
    assert.equal(status, 200);
    assert.equal(body["kind"], "Pod");
    assert.equal(body["apiVersion"], "v1");
    const meta = body["metadata"] as Record<string, string>;
    assert.match(meta["uid"] ?? "", /^[0-9a-f-]{36}$/);
    assert.match(meta["resourceVersion"] ?? "", /^\d+$/);
    assert.match(meta["creationTimestamp"] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((body["status"] as Record<string, string>)["phase"], "Pending");
    assert.deepEqual(Object.keys(body).slice(0, 3), ["kind", "apiVersion", "metadata"]);
  });
});

Deno.test("handleGet() answers a NotFound Status when the pod does not exist", async () => {
  await withPods(async (api) => {
    const { status, body } = await call(api, "/api/v1/namespaces/ns1/pods/zz", { token: TOKEN });
    assert.equal(status, 404);
    assert.deepEqual(body, {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'pods "zz" not found',
      reason: "NotFound",
      details: { name: "zz", kind: "pods" },
      code: 404,
    });
  });
});

Deno.test("handleList() returns a PodList whose items carry no kind when listing a namespace", async () => {
  await withPods(async (api) => {
    const { status, body } = await call(api, "/api/v1/namespaces/ns1/pods", { token: TOKEN });
    assert.equal(status, 200);
    assert.equal(body["kind"], "PodList");
    assert.equal(body["apiVersion"], "v1");
    assert.deepEqual(body["metadata"], { resourceVersion: api.resourceVersion });
    assert.deepEqual(names(body), ["ns1/a", "ns1/b"]);
    const item = (body["items"] as Record<string, unknown>[])[0] ?? {};
    assert.equal(item["kind"], undefined);
    assert.equal(item["apiVersion"], undefined);
  });
});

Deno.test("handleList() filters all namespaces by spec.nodeName and labels", async () => {
  await withPods(async (api) => {
    const byNode = await call(api, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", {
      token: TOKEN,
    });
    assert.deepEqual(names(byNode.body), ["ns1/a", "ns2/c"]);
    const byMeta = await call(
      api,
      "/api/v1/pods?fieldSelector=metadata.namespace%3Dns2,metadata.name%3Dc",
      { token: TOKEN },
    );
    assert.deepEqual(names(byMeta.body), ["ns2/c"]);
    const byLabel = await call(api, "/api/v1/namespaces/ns1/pods?labelSelector=app%3Dweb", {
      token: TOKEN,
    });
    assert.deepEqual(names(byLabel.body), ["ns1/a"]);
  });
});

Deno.test("handleList() answers 400 when the field selector is not supported", async () => {
  await withPods(async (api) => {
    const { status, body } = await call(api, "/api/v1/pods?fieldSelector=spec.foo%3Dx", {
      token: TOKEN,
    });
    assert.equal(status, 400);
    assert.equal(body["reason"], "BadRequest");
    assert.equal(body["message"], "field label not supported: spec.foo");
  });
});

Deno.test("handleList() pages with limit and continue when asked", async () => {
  await withPods(async (api) => {
    const first = await call(api, "/api/v1/pods?limit=2", { token: TOKEN });
    assert.deepEqual(names(first.body), ["ns1/a", "ns1/b"]);
    const meta = first.body["metadata"] as Record<string, unknown>;
    assert.equal(meta["remainingItemCount"], 1);
    const token = encodeURIComponent(String(meta["continue"]));
    const second = await call(api, `/api/v1/pods?limit=2&continue=${token}`, { token: TOKEN });
    assert.deepEqual(names(second.body), ["ns2/c"]);
    assert.equal((second.body["metadata"] as Record<string, unknown>)["continue"], undefined);
  });
});

Deno.test("handleList() lists NADs with typed items when listing the custom resource", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.createNad("ns1", "net1", { config: '{"type":"bridge"}' });
    api.createNad("kube-system", "default", {});
    const all = await call(api, "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions", {
      token: TOKEN,
    });
    assert.equal(all.body["kind"], "NetworkAttachmentDefinitionList");
    assert.equal(all.body["apiVersion"], "k8s.cni.cncf.io/v1");
    assert.deepEqual(names(all.body), ["kube-system/default", "ns1/net1"]);
    const items = all.body["items"] as Record<string, unknown>[];
    assert.equal(items[0]?.["kind"], "NetworkAttachmentDefinition");
    assert.deepEqual(items[0]?.["spec"], {});
    const one = await call(
      api,
      "/apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions/net1",
      { token: TOKEN },
    );
    assert.deepEqual(one.body["spec"], { config: '{"type":"bridge"}' });
    const missing = await call(
      api,
      "/apis/k8s.cni.cncf.io/v1/namespaces/ns1/network-attachment-definitions/nope",
      { token: TOKEN },
    );
    assert.equal(missing.status, 404);
    assert.equal(
      missing.body["message"],
      'network-attachment-definitions.k8s.cni.cncf.io "nope" not found',
    );
  } finally {
    await api.stop();
  }
});

Deno.test("the double answers 404 and 405 Status bodies for unknown paths and wrong methods", async () => {
  await withPods(async (api) => {
    const unknown = await call(api, "/api/v1/namespaces/ns1/configmaps", { token: TOKEN });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body["message"], "the server could not find the requested resource");
    assert.deepEqual(unknown.body["details"], {});
    const wrong = await call(api, "/api/v1/namespaces/ns1/pods/a", {
      token: TOKEN,
      method: "POST",
      body: {},
    });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body["reason"], "MethodNotAllowed");
    const version = await call(api, "/version", { token: TOKEN });
    assert.equal(version.body["major"], "1");
  });
});
