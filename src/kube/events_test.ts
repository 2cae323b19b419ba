import { deepStrictEqual as assertEquals, notDeepStrictEqual, ok } from "node:assert/strict";
import { kubeTime, podEvent } from "./events.ts";
import type { Pod } from "./types.ts";

const POD: Pod = { metadata: { name: "web-0", namespace: "ns", uid: "u1", resourceVersion: "42" } };
const NOW = new Date("2026-05-01T10:20:30.456Z");

Deno.test("podEvent() builds the Event client-go's recorder posts for a pod", () => {
  const e = podEvent(POD, {
    type: "Normal",
    reason: "AddedInterface",
    message: "Add net1 [10.1.1.3/24] from ns/macvlan",
    host: "node1",
    now: NOW,
  });
  ok(/^web-0\.[0-9a-f]+$/.test(e.metadata.name!), String(e.metadata.name));
  assertEquals({ ...e, metadata: { ...e.metadata, name: "*" } }, {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "*", namespace: "ns" },
    involvedObject: {
      kind: "Pod",
      namespace: "ns",
      name: "web-0",
      uid: "u1",
      apiVersion: "v1",
      resourceVersion: "42",
    },
    reason: "AddedInterface",
    message: "Add net1 [10.1.1.3/24] from ns/macvlan",
    source: { component: "multus", host: "node1" },
    firstTimestamp: "2026-05-01T10:20:30Z",
    lastTimestamp: "2026-05-01T10:20:30Z",
    eventTime: null,
    count: 1,
    type: "Normal",
    reportingComponent: "multus",
    reportingInstance: "node1",
  });
});

Deno.test("podEvent() names events by the time in unix nanoseconds, unique within a millisecond", () => {
  const a = podEvent(POD, { type: "Warning", reason: "R", message: "m", now: NOW });
  const b = podEvent(POD, { type: "Warning", reason: "R", message: "m", now: NOW });
  notDeepStrictEqual(a.metadata.name, b.metadata.name);
  const nanos = BigInt(`0x${a.metadata.name!.split(".")[1]}`);
  assertEquals(nanos / 1_000_000n, BigInt(NOW.getTime()));
  assertEquals(a.source, { component: "multus" });
  assertEquals(a.reportingInstance, "");
});

Deno.test("podEvent() puts a pod without namespace into default", () => {
  assertEquals(
    podEvent({ metadata: { name: "x" } }, { type: "Normal", reason: "R", message: "m" }).metadata
      .namespace,
    "default",
  );
});

Deno.test("kubeTime() formats RFC 3339 in UTC with whole seconds", () => {
  assertEquals(kubeTime(NOW), "2026-05-01T10:20:30Z");
});
