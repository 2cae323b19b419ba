import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { KubeObject } from "../kube/mod.ts";
import { InformerStore, objectKey } from "./informer_store.ts";

const obj = (ns: string, name: string, rv: string): KubeObject => ({
  metadata: { namespace: ns, name, resourceVersion: rv },
});

function recorded(store: InformerStore<KubeObject>): string[] {
  const log: string[] = [];
  const at = (o: KubeObject) => `${objectKey(o)}@${o.metadata.resourceVersion}`;
  store.onAdd((o) => log.push(`add ${at(o)}`));
  store.onUpdate((o, c) => log.push(`update ${at(o)}->${c.metadata.resourceVersion}`));
  store.onDelete((o) => log.push(`delete ${at(o)}`));
  return log;
}

Deno.test("objectKey() is namespace/name, or name for cluster-scoped objects", () => {
  assertEquals([objectKey(obj("ns", "a", "1")), objectKey({ metadata: { name: "n1" } })], [
    "ns/a",
    "n1",
  ]);
});

Deno.test("InformerStore.replace() emits the adds, updates and deletes a LIST implies", () => {
  const store = new InformerStore<KubeObject>();
  const log = recorded(store);
  store.replace([obj("ns", "a", "1"), obj("ns", "b", "2"), obj("ns", "c", "3")]);
  log.length = 0;
  store.replace([obj("ns", "a", "1"), obj("ns", "b", "5"), obj("ns", "d", "6")]);
  assertEquals(log, ["update ns/b@2->5", "add ns/d@6", "delete ns/c@3"]);
  assertEquals(store.list().map(objectKey), ["ns/a", "ns/b", "ns/d"]);
});

Deno.test("InformerStore.upsert() and remove() track watch events; removing the unknown is a no-op", () => {
  const store = new InformerStore<KubeObject>();
  const log = recorded(store);
  store.upsert(obj("ns", "a", "1"));
  store.upsert(obj("ns", "a", "2"));
  store.remove(obj("ns", "a", "3"));
  store.remove(obj("ns", "zz", "4"));
  assertEquals(log, ["add ns/a@1", "update ns/a@1->2", "delete ns/a@2"]);
  assertEquals(store.size, 0);
});

Deno.test("InformerStore reports a throwing handler and still calls the others", () => {
  const errors: string[] = [];
  const store = new InformerStore<KubeObject>((m) => errors.push(m));
  store.onAdd(() => {
    throw new Error("boom");
  });
  const log = recorded(store);
  store.upsert(obj("ns", "a", "1"));
  assertEquals([errors, log], [["an event handler failed: boom"], ["add ns/a@1"]]);
});

Deno.test("InformerStore.onAdd() with replay delivers the cached objects; resync() re-delivers updates", () => {
  const store = new InformerStore<KubeObject>();
  store.replace([obj("ns", "a", "1")]);
  const seen: string[] = [];
  const off = store.onAdd((o) => seen.push(objectKey(o)), true);
  store.onUpdate((o, c) => seen.push(`${objectKey(o)} ${o === c}`));
  store.resync();
  off();
  store.upsert(obj("ns", "b", "2"));
  assertEquals(seen, ["ns/a", "ns/a true"]);
});
