import assert from "node:assert/strict";
import { call, clientFor, delay, watch } from "./_testing.ts";
import { startKubeApiDouble } from "./server.ts";

const TOKEN = "server-token";

Deno.test("setOutage() refuses connections and recovers on the same port", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  const client = clientFor(api);
  try {
    const reader = await watch(api, "/api/v1/pods?watch=true", { token: TOKEN, client });
    assert.equal((await call(api, "/api/v1/pods", { token: TOKEN, client })).status, 200);
    await api.setOutage("refuse");
    assert.equal(await reader.next(), undefined);
    await reader.close();
    assert.equal(api.openWatches, 0);
    await assert.rejects(call(api, "/api/v1/pods", { token: TOKEN }), TypeError);
    await api.setOutage(null);
    const after = await call(api, "/api/v1/pods", { token: TOKEN, client });
    assert.equal(after.status, 200);
    assert.equal(new URL(api.url).port, String(api.port));
  } finally {
    client.close();
    await api.stop();
  }
});

Deno.test("setOutage() closes open watches, which resume from their resourceVersion after recovery", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  const client = clientFor(api);
  try {
    for (const mode of ["503", "hang", "refuse"] as const) {
      const rv = api.resourceVersion;
      const reader = await watch(api, `/api/v1/pods?watch=true&resourceVersion=${rv}`, {
        token: TOKEN,
        client,
      });
      await api.setOutage(mode);
      assert.equal(await reader.next(), undefined, mode);
      await reader.close();
      api.createPod({ metadata: { name: `during-${mode}`, namespace: "ns" } });
      await api.setOutage(null);
      const resumed = await watch(api, `/api/v1/pods?watch=true&resourceVersion=${rv}`, {
        token: TOKEN,
        client,
      });
      const event = await resumed.next();
      assert.deepEqual([event?.type, event?.object.metadata?.["name"]], [
        "ADDED",
        `during-${mode}`,
      ]);
      await resumed.close();
    }
  } finally {
    client.close();
    await api.stop();
  }
});

Deno.test("setOutage() answers 503 ServiceUnavailable to every request when set to 503", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    await api.setOutage("503");
    const { status, body } = await call(api, "/api/v1/namespaces/ns/pods/p", { token: TOKEN });
    assert.equal(status, 503);
    assert.equal(body["reason"], "ServiceUnavailable");
    await api.setOutage(null);
    assert.equal((await call(api, "/api/v1/namespaces/ns/pods/p", { token: TOKEN })).status, 404);
  } finally {
    await api.stop();
  }
});

Deno.test("setOutage() holds requests when hanging and answers them once it ends", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.createPod({ metadata: { name: "p", namespace: "ns" } });
    await api.setOutage("hang");
    const pending = call(api, "/api/v1/namespaces/ns/pods/p", { token: TOKEN });
    let settled = false;
    pending.then(() => settled = true, () => settled = true);
    await delay(200);
    assert.equal(settled, false);
    assert.equal(api.requests()[0]?.status, 0);
    await api.setOutage(null);
    assert.equal((await pending).status, 200);
    assert.equal(api.requests()[0]?.status, 200);
  } finally {
    await api.stop();
  }
});

Deno.test("stop() ends requests still hanging", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  await api.setOutage("hang");
  const outcome = call(api, "/api/v1/pods", { token: TOKEN }).then(
    () => "answered",
    (error: unknown) => error,
  );
  await delay(100);
  await api.stop();
  assert.ok((await outcome) instanceof TypeError);
});

Deno.test("failNext() fails only the matching requests, the given number of times", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.createPod({ metadata: { name: "p", namespace: "ns" } });
    api.failNext(2, {
      code: 500,
      message: "etcdserver: request timed out",
      match: { verb: "get", resource: "pods" },
    });
    api.failNext(1, { code: 429, retryAfterSeconds: 1, match: (r) => r.verb === "list" });
    const path = "/api/v1/namespaces/ns/pods/p";
    const first = await call(api, path, { token: TOKEN });
    assert.deepEqual([first.status, first.body["reason"], first.body["message"]], [
      500,
      "InternalError",
      "etcdserver: request timed out",
    ]);
    assert.equal((await call(api, path, { token: TOKEN })).status, 500);
    assert.equal((await call(api, path, { token: TOKEN })).status, 200);
    const throttled = await call(api, "/api/v1/pods", { token: TOKEN });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get("retry-after"), "1");
    assert.equal((await call(api, "/api/v1/pods", { token: TOKEN })).status, 200);
  } finally {
    await api.stop();
  }
});

Deno.test("latencyMs delays every answer", async () => {
  const api = await startKubeApiDouble({ tokens: [TOKEN] });
  try {
    api.latencyMs = 150;
    const started = Date.now();
    assert.equal((await call(api, "/api/v1/pods", { token: TOKEN })).status, 200);
    assert.ok(Date.now() - started >= 140);
  } finally {
    await api.stop();
  }
});

Deno.test("requests() records method, path, query, verb, resource, user and status", async () => {
  const api = await startKubeApiDouble({ tokens: [{ token: TOKEN, user: "multus" }] });
  try {
    api.createPod({ metadata: { name: "p", namespace: "ns" } });
    const before = Date.now();
    await call(api, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&limit=5", { token: TOKEN });
    await call(api, "/api/v1/namespaces/ns/pods/p/status", {
      token: TOKEN,
      method: "PATCH",
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { a: "b" } } },
    });
    const [list, patch] = api.requests();
    assert.deepEqual({ ...list, at: 0 }, {
      method: "GET",
      path: "/api/v1/pods",
      query: { fieldSelector: "spec.nodeName=n1", limit: "5" },
      verb: "list",
      resource: "pods",
      user: "multus",
      status: 200,
      at: 0,
    });
    assert.ok((list?.at ?? 0) >= before);
    assert.deepEqual({ ...patch, at: 0 }, {
      method: "PATCH",
      path: "/api/v1/namespaces/ns/pods/p/status",
      query: {},
      verb: "patch",
      resource: "pods",
      subresource: "status",
      namespace: "ns",
      name: "p",
      user: "multus",
      status: 200,
      contentType: "application/merge-patch+json",
      at: 0,
    });
    assert.equal(api.count({ verb: "patch", subresource: "status" }), 1);
    assert.equal(api.count({ query: { limit: "5" } }), 1);
    assert.equal(api.requests({ resource: "network-attachment-definitions" }).length, 0);
    api.clearLog();
    assert.equal(api.count(), 0);
  } finally {
    await api.stop();
  }
});
