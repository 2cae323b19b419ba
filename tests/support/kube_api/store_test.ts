import assert from "node:assert/strict";
import { prepareCreate } from "./objects.ts";
import { NADS, PODS } from "./resources.ts";
import { KubeStatusError } from "./status.ts";
import { ObjectStore, type StoreEvent } from "./store.ts";

const newPod = (name: string) => prepareCreate(PODS, { metadata: { name } }, { namespace: "ns" });

Deno.test("ObjectStore.create() stamps one global resourceVersion across resources", () => {
  const store = new ObjectStore({ historySize: 10 });
  const a = store.create(PODS, newPod("a"));
  const n = store.create(
    NADS,
    prepareCreate(NADS, { metadata: { name: "n" } }, { namespace: "ns" }),
  );
  const b = store.create(PODS, newPod("b"));
  assert.deepEqual(
    [a, n, b].map((o) => Number(o.metadata.resourceVersion)),
    [2, 3, 4],
  );
  assert.equal(store.resourceVersion, 4);
});

Deno.test("ObjectStore.create() throws AlreadyExists when the name is taken", () => {
  const store = new ObjectStore({ historySize: 10 });
  store.create(PODS, newPod("a"));
  assert.throws(
    () => store.create(PODS, newPod("a")),
    (e: unknown) => e instanceof KubeStatusError && e.status.reason === "AlreadyExists",
  );
});

Deno.test("ObjectStore.update() conflicts when the resourceVersion is stale", () => {
  const store = new ObjectStore({ historySize: 10 });
  const pod = store.create(PODS, newPod("a"));
  const next = { ...pod, metadata: { ...pod.metadata, labels: { x: "1" } } };
  const updated = store.update(PODS, next, { resourceVersion: pod.metadata.resourceVersion });
  assert.equal(updated.metadata.resourceVersion, "3");
  assert.throws(
    () => store.update(PODS, next, { resourceVersion: pod.metadata.resourceVersion }),
    (e: unknown) => e instanceof KubeStatusError && e.code === 409,
  );
});

Deno.test("ObjectStore.update() keeps the resourceVersion and emits nothing when nothing changed", () => {
  const store = new ObjectStore({ historySize: 10 });
  const pod = store.create(PODS, newPod("a"));
  const events: StoreEvent[] = [];
  const unsubscribe = store.subscribe(PODS, (e) => events.push(e));
  const same = store.update(PODS, structuredClone(pod));
  unsubscribe();
  assert.equal(same.metadata.resourceVersion, pod.metadata.resourceVersion);
  assert.equal(events.length, 0);
});

Deno.test("ObjectStore.delete() returns the last state with the delete's resourceVersion", () => {
  const store = new ObjectStore({ historySize: 10 });
  store.create(PODS, newPod("a"));
  const events: StoreEvent[] = [];
  const unsubscribe = store.subscribe(PODS, (e) => events.push(e));
  const gone = store.delete(PODS, { namespace: "ns", name: "a" });
  unsubscribe();
  assert.equal(gone.metadata.resourceVersion, "3");
  assert.deepEqual(events.map((e) => [e.type, e.resourceVersion]), [["DELETED", 3]]);
  assert.equal(store.get(PODS, { namespace: "ns", name: "a" }), undefined);
});

Deno.test("ObjectStore.delete() checks DeleteOptions preconditions", () => {
  const store = new ObjectStore({ historySize: 10 });
  store.create(PODS, newPod("a"));
  assert.throws(
    () => store.delete(PODS, { namespace: "ns", name: "a", preconditions: { uid: "other" } }),
    (e: unknown) =>
      e instanceof KubeStatusError && e.code === 409 &&
      /Precondition failed: UID in precondition: other/.test(e.message),
  );
});

Deno.test("ObjectStore.eventsSince() throws 410 Expired when history was dropped", () => {
  const store = new ObjectStore({ historySize: 2 });
  for (const name of ["a", "b", "c", "d"]) store.create(PODS, newPod(name));
  assert.deepEqual(store.eventsSince(PODS, 3).map((e) => e.resourceVersion), [4, 5]);
  assert.throws(
    () => store.eventsSince(PODS, 2),
    (e: unknown) =>
      e instanceof KubeStatusError && e.code === 410 &&
      e.message === "too old resource version: 2 (3)",
  );
});

Deno.test("ObjectStore.compact() makes every older resourceVersion expire", () => {
  const store = new ObjectStore({ historySize: 100 });
  store.create(PODS, newPod("a"));
  store.compact();
  assert.throws(() => store.eventsSince(PODS, 1), KubeStatusError);
  assert.deepEqual(store.eventsSince(PODS, 2), []);
});

Deno.test("ObjectStore.list() sorts by namespace then name", () => {
  const store = new ObjectStore({ historySize: 10 });
  for (const [ns, name] of [["b", "a"], ["a", "z"], ["a", "b"]] as const) {
    store.create(PODS, prepareCreate(PODS, { metadata: { name } }, { namespace: ns }));
  }
  assert.deepEqual(
    store.list(PODS).map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
    ["a/b", "a/z", "b/a"],
  );
  assert.equal(store.list(PODS, "a").length, 2);
});
