/**
 * What client-go's `record.EventCorrelator` decides for each Event before it is written,
 * so that a crash-looping pod cannot flood etcd with Event objects:
 *
 * 1. **Aggregation.** Events alike but for their message (same source, involved object,
 *    type and reason) seen with at least `maxEvents` (10) different messages within
 *    `intervalMs` (10 min) of each other become one Event, `(combined from similar events):
 *    <latest message>`, whose count rises.
 * 2. **De-duplication.** An Event equal to one already written (message included) is not
 *    written again: the existing object's `count`, `lastTimestamp` and `message` are
 *    patched (its name and `firstTimestamp` kept).
 * 3. **Spam filter.** Each source + object pair has a token bucket (25 tokens, one more
 *    every 5 min); an Event that finds it empty is not written at all. As in client-go, the
 *    filter runs after 1 and 2, so a filtered Event still counts in the next patch's
 *    `count`.
 *
 * Every cache is a bounded LRU (4096 entries). Pure logic over a clock: the caller writes
 * what {@linkcode EventCorrelator.correlate} returns (a create, or a strategic-merge patch
 * that falls back to a create when the object is gone). Client-go removes an arbitrary
 * message from a full aggregation set; this removes the oldest, so the outcome is
 * deterministic.
 *
 * @module
 */
import { kubeTime } from "./events.ts";
import type { CoreEvent } from "./types.ts";

/** Settings of an {@linkcode EventCorrelator} (defaults: client-go's). */
export interface EventCorrelatorOptions {
  /** Epoch ms now (default `Date.now`). */
  now?: () => number;
  /** Different messages after which similar events are combined (default 10). */
  maxEvents?: number;
  /** Similar events further apart than this start a new aggregation (default 600 000). */
  intervalMs?: number;
  /** Tokens of each source + object bucket (default 25). */
  burst?: number;
  /** One token comes back this often (default 300 000: client-go's 1/300 qps). */
  refillMs?: number;
  /** Entries of each cache (default 4096). */
  cacheSize?: number;
}

/** The strategic-merge patch of an existing Event, as client-go's event logger builds it. */
export interface EventPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

/** What to write for one Event. */
export type Correlation =
  /** POST `event`. */
  | { action: "create"; event: CoreEvent }
  /** PATCH `event.metadata.name` with `patch`; POST `event` (the full object) if it is gone. */
  | { action: "patch"; event: CoreEvent; patch: EventPatch }
  /** Write nothing (the spam filter's bucket for this source and object is empty). */
  | { action: "skip" };

/** The message prefix of a combined Event. */
export const COMBINED_PREFIX = "(combined from similar events): ";

/** A map that forgets its least recently used entry beyond `max` entries. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

interface AggregateRecord {
  /** Messages seen, oldest first. */
  messages: Set<string>;
  lastMs: number;
}

interface Observation {
  count: number;
  name: string;
  firstTimestamp: string;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

const SEP = "\u0000";

function sourceAndObject(e: CoreEvent): string[] {
  const o = e.involvedObject;
  return [
    e.source?.component ?? "",
    e.source?.host ?? "",
    o.kind ?? "",
    o.namespace ?? "",
    o.name ?? "",
    o.uid ?? "",
    o.apiVersion ?? "",
  ];
}

/** Source, object (with field path), type, reason and message: identical events. */
function eventKey(e: CoreEvent): string {
  return [
    ...sourceAndObject(e),
    e.involvedObject.fieldPath ?? "",
    e.type ?? "",
    e.reason ?? "",
    e.message ?? "",
  ].join(SEP);
}

/** Source, object, type, reason and reporter: similar events. */
function aggregateKey(e: CoreEvent): string {
  return [
    ...sourceAndObject(e),
    e.type ?? "",
    e.reason ?? "",
    e.reportingComponent ?? "",
    e.reportingInstance ?? "",
  ].join(SEP);
}

/**
 * Client-go's event correlation (aggregate, de-duplicate, rate-limit) for one recorder.
 *
 * @example Usage
 * ```ts ignore
 * const correlator = new EventCorrelator();
 * const c = correlator.correlate(podEvent(pod, { type: "Normal", reason: "AddedInterface", message }));
 * if (c.action === "create") await client.createEvent(ns, c.event);
 * ```
 */
export class EventCorrelator {
  readonly #now: () => number;
  readonly #maxEvents: number;
  readonly #intervalMs: number;
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #aggregates: Lru<AggregateRecord>;
  readonly #observed: Lru<Observation>;
  readonly #buckets: Lru<Bucket>;

  /** A correlator with empty caches. */
  constructor(options: EventCorrelatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEvents = options.maxEvents ?? 10;
    this.#intervalMs = options.intervalMs ?? 600_000;
    this.#burst = options.burst ?? 25;
    this.#refillMs = options.refillMs ?? 300_000;
    const size = options.cacheSize ?? 4096;
    this.#aggregates = new Lru(size);
    this.#observed = new Lru(size);
    this.#buckets = new Lru(size);
  }

  /** Entries in the three caches (aggregation, observation, spam filter). */
  get cacheSizes(): { aggregates: number; observed: number; buckets: number } {
    return {
      aggregates: this.#aggregates.size,
      observed: this.#observed.size,
      buckets: this.#buckets.size,
    };
  }

  /** Decides what to write for `event` (a fresh Event as `podEvent` builds it) and records it. */
  correlate(event: CoreEvent): Correlation {
    const nowMs = this.#now();
    const { event: aggregated, key } = this.#aggregate(event, nowMs);
    const observed = this.#observe(aggregated, key);
    if (!this.#accept(sourceAndObject(event).join(SEP), nowMs)) return { action: "skip" };
    return observed;
  }

  #aggregate(event: CoreEvent, nowMs: number): { event: CoreEvent; key: string } {
    const akey = aggregateKey(event);
    let record = this.#aggregates.get(akey);
    if (!record || nowMs - record.lastMs > this.#intervalMs) {
      record = { messages: new Set(), lastMs: nowMs };
    }
    const message = event.message ?? "";
    record.messages.add(message);
    record.lastMs = nowMs;
    this.#aggregates.set(akey, record);
    if (record.messages.size < this.#maxEvents) return { event, key: eventKey(event) };
    // Keep the set below the limit, so later messages are still combined.
    const oldest = record.messages.values().next();
    if (!oldest.done) record.messages.delete(oldest.value);
    const now = kubeTime(new Date(nowMs));
    const combined: CoreEvent = {
      ...event,
      metadata: { ...event.metadata },
      message: COMBINED_PREFIX + message,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    return { event: combined, key: akey };
  }

  #observe(event: CoreEvent, key: string): Correlation {
    const last = this.#observed.get(key);
    if (!last) {
      this.#observed.set(key, {
        count: event.count ?? 1,
        name: event.metadata.name ?? "",
        firstTimestamp: event.firstTimestamp ?? "",
      });
      return { action: "create", event };
    }
    const count = last.count + 1;
    const updated: CoreEvent = {
      ...event,
      metadata: { ...event.metadata, name: last.name },
      firstTimestamp: last.firstTimestamp,
      count,
    };
    this.#observed.set(key, { ...last, count });
    return {
      action: "patch",
      event: updated,
      patch: {
        count,
        lastTimestamp: updated.lastTimestamp ?? "",
        message: updated.message ?? "",
      },
    };
  }

  /** Takes a token from the bucket of `key`; false when it is empty. */
  #accept(key: string, nowMs: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, atMs: nowMs };
    const refilled = Math.min(
      this.#burst,
      bucket.tokens + Math.max(0, nowMs - bucket.atMs) / this.#refillMs,
    );
    const ok = refilled >= 1;
    this.#buckets.set(key, { tokens: ok ? refilled - 1 : refilled, atMs: nowMs });
    return ok;
  }
}
