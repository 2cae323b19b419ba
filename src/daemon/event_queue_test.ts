import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { type CallOptions, type CoreEvent, KubeApiError, TransportError } from "../kube/mod.ts";
import type { Pod } from "../multus/deps.ts";
import { realClock } from "../platform/clock.ts";
import { silentLogger } from "../platform/log.ts";
import { FakeClock } from "../../tests/support/fake_clock.ts";
import { EventQueue, type EventQueueOptions } from "./event_queue.ts";

const POD: Pod = { metadata: { name: "web-0", namespace: "ns", uid: "u1" } };
const NOW = new Date("2026-05-01T10:20:30Z");

function ev(n: number) {
  return { type: "Normal" as const, reason: "AddedInterface", message: `Add net${n}` };
}

/** A poster whose calls wait until the test releases them, or answer from a script. */
class FakePoster {
  readonly calls: Array<{ namespace: string; event: CoreEvent; opts?: CallOptions }> = [];
  readonly held: Array<() => void> = [];
  /** Errors for the next calls, in order; then success. */
  failures: Error[] = [];
  hold = false;
  inFlight = 0;
  maxInFlight = 0;

  createEvent(namespace: string, event: CoreEvent, opts?: CallOptions): Promise<CoreEvent> {
    this.calls.push({ namespace, event, ...(opts ? { opts } : {}) });
    const failure = this.failures.shift();
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const finish = () => this.inFlight--;
    if (failure) {
      finish();
      return Promise.reject(failure);
    }
    if (!this.hold) {
      finish();
      return Promise.resolve(event);
    }
    return new Promise((resolve, reject) => {
      opts?.signal?.addEventListener("abort", () => {
        finish();
        reject(new TransportError("aborted", "aborted"));
      });
      this.held.push(() => {
        finish();
        resolve(event);
      });
    });
  }

  patchEvent(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    opts?: CallOptions,
  ): Promise<CoreEvent> {
    const event = { metadata: { name }, ...patch } as unknown as CoreEvent;
    return this.createEvent(namespace, event, opts);
  }

  release(): void {
    for (const r of this.held.splice(0)) r();
  }

  messages(): string[] {
    return this.calls.map((c) => c.event.message);
  }
}

function queue(poster: FakePoster, opts: Partial<EventQueueOptions> = {}): EventQueue {
  return new EventQueue({
    client: poster,
    logger: silentLogger,
    nodeName: "node1",
    clock: { now: () => NOW.getTime(), sleep: (ms, signal) => realClock.sleep(ms, signal) },
    backoff: { initialMs: 1, maxMs: 2 },
    ...opts,
  });
}

const unavailable = () => new KubeApiError(503, { method: "POST", path: "/api/v1/events" });

Deno.test("EventQueue.record() returns at once and flush() does not wait for the API", async () => {
  const poster = new FakePoster();
  poster.hold = true;
  const q = queue(poster);
  q.record(POD, ev(1));
  await q.flush();
  assertEquals(q.stats(), { sent: 0, failed: 0, dropped: 0, filtered: 0, pending: 1 });
  poster.release();
  assertEquals(await q.drain(1_000), true);
  assertEquals(q.stats(), { sent: 1, failed: 0, dropped: 0, filtered: 0, pending: 0 });
  const { namespace, event } = poster.calls[0]!;
  assertEquals([namespace, event.reason, event.source, event.firstTimestamp], [
    "ns",
    "AddedInterface",
    { component: "multus", host: "node1" },
    "2026-05-01T10:20:30Z",
  ]);
  q.close();
});

Deno.test("EventQueue sends in order of arrival with at most `concurrency` POSTs in flight", async () => {
  const poster = new FakePoster();
  poster.hold = true;
  const q = queue(poster, { concurrency: 3 });
  for (let i = 1; i <= 7; i++) q.record(POD, ev(i));
  while (q.stats().pending > 0) {
    await new Promise((r) => setTimeout(r, 1));
    poster.release();
  }
  assertEquals(poster.maxInFlight, 3);
  assertEquals(poster.messages(), [1, 2, 3, 4, 5, 6, 7].map((i) => `Add net${i}`));
  assertEquals(q.stats().sent, 7);
  q.close();
});

Deno.test("EventQueue drops the oldest waiting events beyond maxPending, with a log line", async () => {
  const poster = new FakePoster();
  poster.hold = true;
  const errors: string[] = [];
  const q = queue(poster, {
    concurrency: 1,
    maxPending: 3,
    logger: { ...silentLogger, error: (m) => errors.push(m) },
  });
  for (let i = 1; i <= 6; i++) q.record(POD, ev(i));
  // net1 is in flight; net2 and net3 were pushed out by net5 and net6.
  assertEquals(q.stats(), { sent: 0, failed: 0, dropped: 2, filtered: 0, pending: 4 });
  assertEquals(errors, ["dropped 1 event(s) (more than 3 events waiting); 1 dropped so far"]);
  while (q.stats().pending > 0) {
    await new Promise((r) => setTimeout(r, 1));
    poster.release();
  }
  assertEquals(poster.messages(), ["Add net1", "Add net4", "Add net5", "Add net6"]);
  q.close();
});

Deno.test("EventQueue retries transient failures with backoff, then gives up and logs", async () => {
  const poster = new FakePoster();
  const errors: string[] = [];
  const q = queue(poster, {
    attempts: 3,
    logger: { ...silentLogger, error: (m) => errors.push(m) },
  });
  poster.failures = [unavailable(), new TransportError("refused", "connection refused")];
  q.record(POD, ev(1));
  assertEquals(await q.drain(1_000), true);
  assertEquals([poster.calls.length, q.stats().sent], [3, 1]);
  poster.failures = [unavailable(), unavailable(), unavailable()];
  q.record(POD, ev(2));
  assertEquals(await q.drain(1_000), true);
  assertEquals(q.stats(), { sent: 1, failed: 1, dropped: 0, filtered: 0, pending: 0 });
  assertEquals(errors.length, 1);
  ok(
    errors[0]!.startsWith(
      "failed to record event AddedInterface for pod ns/web-0 after 3 attempt(s): ",
    ),
  );
  q.close();
});

Deno.test("EventQueue does not retry a refused event (403), and counts a 409 after a retry as sent", async () => {
  const poster = new FakePoster();
  const q = queue(poster);
  poster.failures = [new KubeApiError(403, { method: "POST", path: "/api/v1/events" })];
  q.record(POD, ev(1));
  await q.drain(1_000);
  assertEquals([poster.calls.length, q.stats().failed], [1, 1]);
  poster.failures = [unavailable(), new KubeApiError(409, { method: "POST", path: "/x" })];
  q.record(POD, ev(2));
  await q.drain(1_000);
  assertEquals([poster.calls.length, q.stats().sent], [3, 1]);
  q.close();
});

Deno.test("EventQueue.drain() reports false after its timeout; close() drops what is left", async () => {
  const poster = new FakePoster();
  poster.hold = true;
  const q = queue(poster, { concurrency: 1 });
  q.record(POD, ev(1));
  q.record(POD, ev(2));
  assertEquals(await q.drain(5), false);
  q.close();
  assertEquals(await q.drain(1_000), true);
  assertEquals(q.stats(), { sent: 0, failed: 0, dropped: 2, filtered: 0, pending: 0 });
  q.record(POD, ev(3));
  assertEquals(q.stats().dropped, 3);
});

/** Stores events by name as the API server does: POST creates (409 if taken), PATCH merges (404 if absent). */
class EventStore {
  readonly objects = new Map<string, CoreEvent>();
  readonly calls: string[] = [];
  /** Names whose object is deleted right before the next PATCH (expired by the server). */
  expire = new Set<string>();

  createEvent(namespace: string, event: CoreEvent): Promise<CoreEvent> {
    const name = event.metadata.name!;
    this.calls.push(`POST ${name} count=${event.count}`);
    if (this.objects.has(name)) {
      return Promise.reject(new KubeApiError(409, { method: "POST", path: `/${namespace}` }));
    }
    this.objects.set(name, structuredClone(event));
    return Promise.resolve(event);
  }

  patchEvent(namespace: string, name: string, patch: Record<string, unknown>): Promise<CoreEvent> {
    this.calls.push(`PATCH ${name} count=${patch["count"]}`);
    if (this.expire.delete(name)) this.objects.delete(name);
    const current = this.objects.get(name);
    if (!current) {
      return Promise.reject(new KubeApiError(404, { method: "PATCH", path: `/${namespace}` }));
    }
    const next = { ...current, ...patch } as CoreEvent;
    this.objects.set(name, next);
    return Promise.resolve(next);
  }
}

Deno.test("EventQueue: 22 ADDs of one pod with 4 interfaces each write 10 Event objects, one combined with count 16", async () => {
  const store = new EventStore();
  const clock = new FakeClock();
  const q = new EventQueue({ client: store, logger: silentLogger, nodeName: "node1", clock });
  for (let add = 0; add < 22; add++) {
    for (const [i, ifname] of ["eth0", "net1", "net2", "net3"].entries()) {
      q.record(POD, {
        type: "Normal",
        reason: "AddedInterface",
        message: `Add ${ifname} [10.${i}.0.${add + 2}/24]`,
      });
    }
    clock.t += 3_000;
  }
  assertEquals(await q.drain(1_000), true);
  const objects = [...store.objects.values()];
  assertEquals(objects.length, 10);
  const combined = objects.filter((e) => e.message.startsWith("(combined from similar events): "));
  assertEquals(combined.map((e) => e.count), [16]);
  assertEquals(objects.filter((e) => e.count === 1).length, 9);
  assertEquals(q.stats(), { sent: 25, failed: 0, dropped: 0, filtered: 63, pending: 0 });
  ok(combined[0]!.lastTimestamp! > combined[0]!.firstTimestamp!);
  q.close();
});

Deno.test("EventQueue patches a repeated event's count; when the object is gone it creates it whole, count kept", async () => {
  const store = new EventStore();
  const clock = new FakeClock();
  const q = new EventQueue({ client: store, logger: silentLogger, clock });
  for (let i = 0; i < 3; i++) q.record(POD, ev(1));
  assertEquals(await q.drain(1_000), true);
  const [name] = [...store.objects.keys()];
  store.expire.add(name!);
  q.record(POD, ev(1));
  assertEquals(await q.drain(1_000), true);
  assertEquals(store.calls, [
    `POST ${name} count=1`,
    `PATCH ${name} count=2`,
    `PATCH ${name} count=3`,
    `PATCH ${name} count=4`,
    `POST ${name} count=4`,
  ]);
  assertEquals(store.objects.get(name!)?.count, 4);
  assertEquals(q.stats().sent, 4);
  q.close();
});

Deno.test("EventQueue writes to one Event object one after another, even with free workers", async () => {
  const poster = new FakePoster();
  poster.hold = true;
  const q = queue(poster, { concurrency: 3 });
  q.record(POD, ev(1));
  q.record(POD, ev(1));
  q.record(POD, ev(2));
  await new Promise((r) => setTimeout(r, 5));
  // The create of net1 and net2 are in flight; the patch of net1 waits for its create.
  assertEquals(poster.messages(), ["Add net1", "Add net2"]);
  while (q.stats().pending > 0) {
    await new Promise((r) => setTimeout(r, 1));
    poster.release();
  }
  assertEquals(poster.calls.map((c) => c.event.count ?? "patch"), [1, 1, 2]);
  q.close();
});
