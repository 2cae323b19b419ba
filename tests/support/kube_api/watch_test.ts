import assert from "node:assert/strict";
import { call, clientFor, watch, type WatchReader } from "./_testing.ts";
import { type KubeApiDouble, type KubeApiDoubleOptions, startKubeApiDouble } from "./server.ts";
import { parseFieldSelector } from "./selectors.ts";
import { PODS } from "./resources.ts";
import { watchEventFor } from "./watch.ts";

const TOKEN = "watch-token";

async function withWatch(
  options: KubeApiDoubleOptions,
  fn: (api: KubeApiDouble, open: (path: string) => Promise<WatchReader>) => Promise<void>,
): Promise<void> {
  const api = await startKubeApiDouble({ tokens: [TOKEN], ...options });
  const client = clientFor(api);
  const readers: WatchReader[] = [];
  try {
    await fn(api, async (path) => {
      const reader = await watch(api, path, { token: TOKEN, client });
      readers.push(reader);
      return reader;
    });
  } finally {
    for (const reader of readers) await reader.close();
    client.close();
    await api.stop();
  }
}

const name = (event: { object: { metadata?: Record<string, unknown> } } | undefined) =>
  event?.object.metadata?.["name"];

Deno.test("watchEventFor() turns selector transitions into ADDED and DELETED", () => {
  const filter = { fields: parseFieldSelector(PODS, "spec.nodeName=n1"), labels: [] };
  const on = (node: string) => ({ metadata: { name: "p" }, spec: { nodeName: node } });
  const modified = (from: string, to: string) => ({
    type: "MODIFIED" as const,
    object: on(to),
    previous: on(from),
    resourceVersion: 5,
  });
  assert.equal(watchEventFor(modified("n2", "n1"), filter)?.type, "ADDED");
  assert.equal(watchEventFor(modified("n1", "n2"), filter)?.type, "DELETED");
  assert.equal(watchEventFor(modified("n1", "n1"), filter)?.type, "MODIFIED");
  assert.equal(watchEventFor(modified("n2", "n3"), filter), undefined);
});

Deno.test("startWatch() sends current pods, then changes, when no resourceVersion is given", async () => {
  await withWatch({}, async (api, open) => {
    api.createPod({ metadata: { name: "a", namespace: "ns" } });
    const reader = await open("/api/v1/namespaces/ns/pods?watch=true");
    assert.equal(reader.response.status, 200);
    assert.equal(reader.response.headers.get("content-type"), "application/json");
    const first = await reader.next();
    assert.equal(first?.type, "ADDED");
    assert.equal(first?.object["kind"], "Pod");
    api.updatePod("ns", "a", (p) => {
      p.metadata.labels = { x: "1" };
    });
    api.createPod({ metadata: { name: "other", namespace: "elsewhere" } });
    api.deletePod("ns", "a");
    const events = [await reader.next(), await reader.next()];
    assert.deepEqual(events.map((e) => [e?.type, name(e)]), [["MODIFIED", "a"], ["DELETED", "a"]]);
    assert.equal(events[1]?.object.metadata?.["resourceVersion"], api.resourceVersion);
  });
});

Deno.test("startWatch() replays later events when started from a resourceVersion", async () => {
  await withWatch({}, async (api, open) => {
    const a = api.createPod({ metadata: { name: "a", namespace: "ns" } });
    api.createPod({ metadata: { name: "b", namespace: "ns" } });
    api.updatePod("ns", "a", (p) => {
      p.metadata.annotations = { k: "v" };
    });
    const reader = await open(`/api/v1/pods?watch=1&resourceVersion=${a.metadata.resourceVersion}`);
    const events = [await reader.next(), await reader.next()];
    assert.deepEqual(events.map((e) => [e?.type, name(e)]), [["ADDED", "b"], ["MODIFIED", "a"]]);
  });
});

Deno.test("startWatch() sends a 410 Expired ERROR event when the resourceVersion is too old", async () => {
  await withWatch({ historySize: 2 }, async (api, open) => {
    for (const n of ["a", "b", "c", "d"]) api.createPod({ metadata: { name: n, namespace: "ns" } });
    const reader = await open("/api/v1/pods?watch=true&resourceVersion=2");
    assert.equal(reader.response.status, 200);
    const event = await reader.next();
    assert.deepEqual(event, {
      type: "ERROR",
      object: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "too old resource version: 2 (3)",
        reason: "Expired",
        code: 410,
      },
    });
    assert.equal(await reader.next(), undefined);
  });
});

Deno.test("startWatch() sends bookmarks with only the resourceVersion when allowed", async () => {
  await withWatch({ bookmarkIntervalMs: 50 }, async (api, open) => {
    api.createPod({ metadata: { name: "a", namespace: "ns" } });
    const reader = await open(
      `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${api.resourceVersion}`,
    );
    const bookmark = await reader.next();
    assert.deepEqual(bookmark, {
      type: "BOOKMARK",
      object: { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: api.resourceVersion } },
    });
  });
});

Deno.test("startWatch() follows spec.nodeName in and out of the field selector", async () => {
  await withWatch({}, async (api, open) => {
    api.createPod({ metadata: { name: "a", namespace: "ns" }, spec: { nodeName: "n2" } });
    const reader = await open(
      `/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dn1&resourceVersion=${api.resourceVersion}`,
    );
    api.updatePod("ns", "a", (p) => {
      p.spec = { nodeName: "n1" };
    });
    api.updatePod("ns", "a", (p) => {
      p.spec = { nodeName: "n3" };
    });
    const events = [await reader.next(), await reader.next()];
    assert.deepEqual(events.map((e) => e?.type), ["ADDED", "DELETED"]);
    assert.deepEqual(events[1]?.object["spec"], { nodeName: "n3" });
  });
});

Deno.test("startWatch() ends the stream after timeoutSeconds", async () => {
  await withWatch({}, async (api, open) => {
    const started = Date.now();
    const reader = await open("/api/v1/pods?watch=true&timeoutSeconds=1");
    assert.equal(await reader.next(2500), undefined);
    assert.ok(Date.now() - started >= 900);
    assert.equal(api.openWatches, 0);
  });
});

Deno.test("startWatch() streams NAD changes cluster-wide and status writes as MODIFIED", async () => {
  await withWatch({}, async (api, open) => {
    api.createPod({ metadata: { name: "p", namespace: "ns" } });
    const nads = await open(
      "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions?watch=true&resourceVersion=" +
        api.resourceVersion,
    );
    const pods = await open(`/api/v1/pods?watch=true&resourceVersion=${api.resourceVersion}`);
    api.createNad("a", "net1", { config: "{}" });
    const added = await nads.next();
    assert.deepEqual([added?.type, added?.object["kind"]], [
      "ADDED",
      "NetworkAttachmentDefinition",
    ]);
    const pod = (await call(api, "/api/v1/namespaces/ns/pods/p", { token: TOKEN })).body;
    (pod["metadata"] as Record<string, unknown>)["annotations"] = { s: "1" };
    const put = await call(api, "/api/v1/namespaces/ns/pods/p/status", {
      token: TOKEN,
      method: "PUT",
      body: pod,
    });
    assert.equal(put.status, 200);
    const modified = await pods.next();
    assert.equal(modified?.type, "MODIFIED");
    assert.deepEqual(modified?.object.metadata?.["annotations"], { s: "1" });
  });
});
