import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { type CallOptions, type CoreEvent, KubeApiError, TransportError } from "../kube/mod.ts";
import type { Pod } from "../multus/deps.ts";
import { realClock } from "../platform/clock.ts";
import { silentLogger } from "../platform/log.ts";
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
  assertEquals(q.stats(), { sent: 0, failed: 0, dropped: 0, pending: 1 });
  poster.release();
  assertEquals(await q.drain(1_000), true);
  assertEquals(q.stats(), { sent: 1, failed: 0, dropped: 0, pending: 0 });
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
  assertEquals(q.stats(), { sent: 0, failed: 0, dropped: 2, pending: 4 });
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
  assertEquals(q.stats(), { sent: 1, failed: 1, dropped: 0, pending: 0 });
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
  assertEquals(q.stats(), { sent: 0, failed: 0, dropped: 2, pending: 0 });
  q.record(POD, ev(3));
  assertEquals(q.stats().dropped, 3);
});
