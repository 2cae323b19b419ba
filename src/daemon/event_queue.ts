/**
 * The daemon's event recorder: `record()` queues an Event and returns at once, so the CNI
 * ADD never waits for the API server on its account; a few workers write them in order of
 * arrival, retry transient failures with backoff, and log what they cannot deliver. The
 * queue is bounded: in an API outage with a burst of pods it drops the oldest events
 * (counted and logged) rather than grow without limit.
 *
 * Before an Event is queued it goes through client-go's correlation, as Go Multus's
 * recorder does (`EventCorrelator` in `src/kube/event_correlator.ts`): similar events are
 * combined into one object, a repeated one PATCHes the existing object's count, and each
 * pod has a token bucket, so a crash-looping pod writes a bounded number of objects. Writes
 * to the same Event object go out one after another, in the order recorded.
 *
 * @module
 */
import {
  type CallOptions,
  type CoreEvent,
  isConflict,
  isNotFound,
  isRetriable,
  type KubeClient,
  podEvent,
} from "../kube/mod.ts";
import {
  EventCorrelator,
  type EventCorrelatorOptions,
  type EventPatch,
} from "../kube/event_correlator.ts";
import type { EventSink, Pod } from "../multus/deps.ts";
import type { PodEvent } from "../engine/multus.ts";
import { type Clock, realClock } from "../platform/clock.ts";
import type { Logger } from "../platform/log.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";

/** The two calls the queue makes (the daemon passes its `KubeClient`). */
export type EventPoster = Pick<KubeClient, "createEvent" | "patchEvent">;

/** Settings of an {@linkcode EventQueue}. */
export interface EventQueueOptions {
  /** Usually the daemon's `KubeClient`. */
  client: EventPoster;
  logger: Logger;
  /** `source.host` of every event: the node name. */
  nodeName?: string;
  /** POSTs in flight at once (default 2). */
  concurrency?: number;
  /** Events waiting at most; beyond it the oldest are dropped (default 1000). */
  maxPending?: number;
  /** Tries per event, the first included (default 4). */
  attempts?: number;
  /** Delays between tries (default 200 ms doubling to 5 s, +-20 %). */
  backoff?: BackoffOptions;
  /** Timeout of each POST (default 10 s). */
  timeoutMs?: number;
  /** Event times and retry sleeps (default the real clock). */
  clock?: Clock;
  /** Aggregation, spam-filter and cache settings (default client-go's; `now` is the clock's). */
  correlation?: Omit<EventCorrelatorOptions, "now">;
}

/** Counters of an {@linkcode EventQueue}. */
export interface EventQueueStats {
  /** Events the API server accepted. */
  sent: number;
  /** Events given up on (a non-retriable answer, or every try failed). */
  failed: number;
  /** Events dropped unsent because the queue was full (or closed). */
  dropped: number;
  /** Events not written because their pod's spam-filter bucket was empty. */
  filtered: number;
  /** Events waiting or in flight. */
  pending: number;
}

interface Item {
  namespace: string;
  /** The whole Event: created, or the fallback when the object to patch is gone. */
  event: CoreEvent;
  /** Set when an existing object (named as `event`) is to be patched. */
  patch?: EventPatch;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * An {@linkcode EventSink} that delivers off the critical path.
 *
 * @example Usage
 * ```ts ignore
 * const events = new EventQueue({ client, logger, nodeName: "node1" });
 * events.record(pod, { type: "Normal", reason: "AddedInterface", message: "Add net1 [10.1.1.3/24] from ns/macvlan" });
 * await events.drain(5_000); // at shutdown
 * events.close();
 * ```
 */
export class EventQueue implements EventSink {
  readonly #o: EventQueueOptions;
  readonly #clock: Clock;
  readonly #correlator: EventCorrelator;
  /** The last write of each Event object in flight (writes to one object are serial). */
  readonly #writes = new Map<string, Promise<void>>();
  readonly #queue: Item[] = [];
  #head = 0;
  #active = 0;
  #sent = 0;
  #failed = 0;
  #dropped = 0;
  #filtered = 0;
  #closed = false;
  readonly #stop = new AbortController();
  readonly #idle = new Set<() => void>();

  /** A queue posting through `options.client`. */
  constructor(options: EventQueueOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#correlator = new EventCorrelator({
      ...options.correlation,
      now: () => this.#clock.now(),
    });
  }

  /**
   * Queues an Event about `pod` (built and correlated now, as client-go's recorder does)
   * and returns.
   */
  record(pod: Pod, event: PodEvent): void {
    if (this.#closed) {
      this.#drop(1, "the event queue is closed");
      return;
    }
    const body = podEvent(pod, {
      ...event,
      ...(this.#o.nodeName ? { host: this.#o.nodeName } : {}),
      now: new Date(this.#clock.now()),
    });
    const c = this.#correlator.correlate(body);
    if (c.action === "skip") {
      this.#filtered++;
      return;
    }
    const namespace = pod.metadata.namespace || "default";
    this.#queue.push(
      c.action === "patch"
        ? { namespace, event: c.event, patch: c.patch }
        : { namespace, event: c.event },
    );
    const max = this.#o.maxPending ?? 1000;
    if (this.#waiting > max) {
      this.#take();
      this.#drop(1, `more than ${max} events waiting`);
    }
    this.#pump();
  }

  /** Returns at once: events are sent in the background (use {@linkcode EventQueue.drain}). */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves true once nothing is waiting or in flight, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#pending === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      // deno-lint-ignore prefer-const -- `done` may run before the timer is assigned
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#idle.delete(onIdle);
        resolve(ok);
      };
      const onIdle = (): void => done(true);
      // Registered before the timer exists: creating a timer may run pending microtasks.
      this.#idle.add(onIdle);
      timer = setTimeout(() => done(false), timeoutMs);
      if (!this.#idle.has(onIdle)) clearTimeout(timer);
    });
  }

  /** Drops what is waiting, cuts retries short and aborts POSTs in flight. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiting = this.#waiting;
    this.#queue.length = 0;
    this.#head = 0;
    if (waiting > 0) this.#drop(waiting, "the event queue was closed");
    this.#stop.abort();
    this.#settle();
  }

  /** Counters for metrics and tests. */
  stats(): EventQueueStats {
    return {
      sent: this.#sent,
      failed: this.#failed,
      dropped: this.#dropped,
      filtered: this.#filtered,
      pending: this.#pending,
    };
  }

  get #waiting(): number {
    return this.#queue.length - this.#head;
  }

  get #pending(): number {
    return this.#waiting + this.#active;
  }

  #drop(count: number, why: string): void {
    const first = this.#dropped === 0;
    this.#dropped += count;
    // The first drop and every 100th after it: a burst must not flood the log too.
    if (first || Math.floor((this.#dropped - count) / 100) !== Math.floor(this.#dropped / 100)) {
      this.#o.logger.error(`dropped ${count} event(s) (${why}); ${this.#dropped} dropped so far`);
    }
  }

  /** The oldest waiting item, removed from the queue. */
  #take(): Item | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const item = this.#queue[this.#head++];
    // Compact now and then so the array does not keep sent items alive.
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }

  #pump(): void {
    const concurrency = Math.max(1, this.#o.concurrency ?? 2);
    while (!this.#closed && this.#active < concurrency && this.#waiting > 0) {
      this.#active++;
      void this.#work();
    }
  }

  async #work(): Promise<void> {
    try {
      for (let item = this.#take(); item; item = this.#take()) await this.#write(item);
    } finally {
      this.#active--;
      this.#settle();
    }
  }

  #settle(): void {
    if (this.#pending > 0) return;
    for (const fn of [...this.#idle]) fn();
  }

  /** Sends `item` after the writes to the same object taken before it. */
  async #write(item: Item): Promise<void> {
    const name = item.event.metadata.name ?? "";
    const before = this.#writes.get(name);
    const mine = before ? before.then(() => this.#send(item)) : this.#send(item);
    this.#writes.set(name, mine);
    await mine;
    if (this.#writes.get(name) === mine) this.#writes.delete(name);
  }

  /** A PATCH of the existing object, or a POST when there is none (client-go's order). */
  async #put(item: Item, opts: CallOptions): Promise<void> {
    const { namespace, event, patch } = item;
    if (patch) {
      try {
        await this.#o.client.patchEvent(namespace, event.metadata.name ?? "", { ...patch }, opts);
        return;
      } catch (err) {
        // Gone (expired, never created, deleted): create it whole, with its count.
        if (!isNotFound(err)) throw err;
      }
    }
    const { resourceVersion: _, ...metadata } = event.metadata;
    await this.#o.client.createEvent(namespace, { ...event, metadata }, opts);
  }

  async #send(item: Item): Promise<void> {
    const attempts = Math.max(1, this.#o.attempts ?? 4);
    const backoff = new Backoff(this.#o.backoff);
    const what =
      `event ${item.event.reason} for pod ${item.namespace}/${item.event.involvedObject.name}`;
    for (let attempt = 1;; attempt++) {
      try {
        await this.#put(item, {
          timeoutMs: this.#o.timeoutMs ?? 10_000,
          signal: this.#stop.signal,
        });
        this.#sent++;
        return;
      } catch (err) {
        // A retried POST whose first try did arrive: the event exists, which is the goal.
        if (attempt > 1 && isConflict(err)) {
          this.#sent++;
          return;
        }
        if (this.#stop.signal.aborted) {
          this.#dropped++;
          return;
        }
        if (!isRetriable(err) || attempt >= attempts) {
          this.#failed++;
          this.#o.logger.error(
            `failed to record ${what} after ${attempt} attempt(s): ${messageOf(err)}`,
          );
          return;
        }
        await this.#clock.sleep(backoff.next(), this.#stop.signal);
      }
    }
  }
}
