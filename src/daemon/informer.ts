/**
 * A shared informer as client-go's reflector + indexer do it, over any list and watch
 * functions of the lean client: LIST, then WATCH from the list's resourceVersion with
 * bookmarks and a randomised server timeout, re-watching from the last version seen. A 410
 * Expired, a watch ERROR event or a refusing answer (403, say) re-LISTs and diffs the
 * result into add, update and delete notifications; an API server that does not answer
 * (refused, reset, timed out) or answers 429/5xx is retried with capped exponential backoff
 * and the watch resumes where it stopped, catching up from the server's history. A
 * periodic resync re-delivers the cache to update handlers. Objects pass through
 * `transform` before they are stored (the daemon keeps only what Multus reads).
 *
 * @module
 */
import {
  isRetriable,
  type KubeList,
  type KubeObject,
  type KubeStatus,
  TransportError,
} from "../kube/mod.ts";
import type { ListOptions, WatchEvent, WatchOptions } from "../kube/mod.ts";
import { type Clock, realClock } from "../platform/clock.ts";
import type { Logger } from "../platform/log.ts";
import { untilAborted } from "./abortable.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { InformerStore } from "./informer_store.ts";

export { objectKey } from "./informer_store.ts";

/** The two calls an informer needs, e.g. `{ list: client.listPods, watch: client.watchPods }`. */
export interface ListerWatcher<T extends KubeObject> {
  /** One LIST (page). */
  list(opts: ListOptions): Promise<KubeList<T>>;
  /** One WATCH stream; it ends quietly when `opts.signal` aborts. */
  watch(opts: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** Settings of an {@linkcode Informer}. */
export interface InformerOptions<T extends KubeObject> {
  /** For logs and metrics, e.g. `pods`. */
  name: string;
  /** Where objects come from. */
  listWatch: ListerWatcher<T>;
  /** e.g. `spec.nodeName=node1`. */
  fieldSelector?: string;
  /** e.g. `app=web`. */
  labelSelector?: string;
  /** Applied to every object before it is stored (drop what is never read). */
  transform?: (obj: T) => T;
  /**
   * Re-delivers every cached object to `onUpdate` handlers this often, without API calls
   * (default 5 min; 0 turns it off).
   */
  resyncMs?: number;
  /** Reconnect delays (default 200 ms doubling to 5 s, +-20 %). */
  backoff?: BackoffOptions;
  /** Range of the watch's `timeoutSeconds`, drawn per watch (default 300-600, as client-go). */
  watchTimeoutSeconds?: { min: number; max: number };
  /**
   * A watch with no event (bookmarks included) for this long is dropped as dead: a half-open
   * connection (default the watch's `timeoutSeconds` + 30 s).
   */
  stallMs?: number;
  /**
   * LIST page size (`limit`; default 50; 0 lists in one request). Small pages keep each
   * response inside V8's young generation: over 500 realistic pods, pages of 50 peak
   * 10-15 MiB lower than client-go's 500 (tests/bench/informer_rss.ts).
   */
  pageSize?: number;
  /** Timeout of each LIST request (default 60 s). */
  listTimeoutMs?: number;
  logger: Logger;
  /** Time and backoff sleeps (default the real clock). */
  clock?: Clock;
  /** A number in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** What an informer reports to `/metrics` and `/readyz`. */
export interface InformerHealth {
  /** The first LIST completed. */
  synced: boolean;
  /** A LIST answer, an accepted watch or a watch event since the last failure. */
  connected: boolean;
  /** Epoch ms of the last LIST or watch event (bookmarks included), or null. */
  lastEventAt: number | null;
  /** LISTs after the first one (after a 410 Expired or another watch error). */
  relists: number;
  /** Times the informer got through to the API server again after a failure. */
  reconnects: number;
  /** Failed LISTs and watches, ERROR events included. */
  errors: number;
  /** Objects in the cache. */
  objects: number;
  /** The resourceVersion the next watch starts from. */
  resourceVersion: string;
}

/** Default LIST page size. */
export const DEFAULT_PAGE_SIZE = 50;
/** Default resync period: a safety net for handlers, never needed for reads. */
export const DEFAULT_RESYNC_MS = 5 * 60_000;
/** A watch that ends this soon after it started, without any event, counts as a failure. */
const SHORT_WATCH_MS = 1_000;
/** A watch with no event for its timeout plus this long is considered dead. */
const WATCH_STALL_SLACK_MS = 30_000;

type Outcome = "ended" | "short" | "expired" | "error" | "stalled";

/** Whether a watch ERROR event's Status means the resourceVersion is too old. */
export function isExpiredStatus(status: KubeStatus | undefined): boolean {
  return status?.code === 410 || status?.reason === "Expired" || status?.reason === "Gone";
}

function isExpiredError(err: unknown): boolean {
  const e = err as { code?: unknown; reason?: unknown } | null;
  return typeof e === "object" && e !== null && (e.code === 410 || e.reason === "Expired");
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A cache of one resource kept in step with the API server.
 *
 * @example Usage
 * ```ts ignore
 * const pods = new Informer({ name: "pods", listWatch: { list: (o) => client.listPods(o), watch: (o) => client.watchPods(o) }, logger });
 * pods.start();
 * await pods.waitForSync(20_000);
 * const pod = pods.get("ns", "web-0");
 * await pods.stop();
 * ```
 */
export class Informer<T extends KubeObject> {
  readonly #o: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #store: InformerStore<T>;
  #rv = "";
  #listed = false;
  #listedAt = 0;
  #synced = false;
  #connected = false;
  #failing = false;
  #lastEventAt: number | null = null;
  #relists = 0;
  #reconnects = 0;
  #errors = 0;
  readonly #syncWaiters = new Set<(synced: boolean) => void>();
  #stop: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #resync: ReturnType<typeof setInterval> | undefined;
  /** Reset by the first good watch event, so that LIST-then-fail does not loop quickly. */
  readonly #backoff: Backoff;

  /** An informer; nothing happens until {@linkcode Informer.start}. */
  constructor(options: InformerOptions<T>) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff({ random: this.#random, ...options.backoff });
    this.#store = new InformerStore<T>((m) =>
      options.logger.error(`${options.name} informer: ${m}`)
    );
  }

  /** The informer's name (`pods`, `network-attachment-definitions`). */
  get name(): string {
    return this.#o.name;
  }

  /** The first LIST has completed (stays true after {@linkcode Informer.stop}). */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** The resourceVersion the next watch starts from. */
  get resourceVersion(): string {
    return this.#rv;
  }

  /** Starts listing and watching (idempotent while running). */
  start(): void {
    if (this.#stop) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#loop = this.#run(stop.signal);
    const resyncMs = this.#o.resyncMs ?? DEFAULT_RESYNC_MS;
    if (resyncMs > 0) this.#resync = setInterval(() => this.resync(), resyncMs);
  }

  /** Stops watching and every timer; resolves once the loop has ended. The cache stays. */
  async stop(): Promise<void> {
    const stop = this.#stop;
    if (!stop) return;
    stop.abort();
    clearInterval(this.#resync);
    this.#resync = undefined;
    await this.#loop;
    this.#stop = null;
    this.#loop = null;
    this.#connected = false;
    for (const w of [...this.#syncWaiters]) w(this.#synced);
  }

  /**
   * Resolves true once synced, or false after `timeoutMs` or on {@linkcode Informer.stop}
   * (Multus gives each informer 20 s and only logs a failure).
   */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      // deno-lint-ignore prefer-const -- `done` may run before the timer is assigned
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (synced: boolean): void => {
        clearTimeout(timer);
        this.#syncWaiters.delete(done);
        resolve(synced);
      };
      // Registered before the timer exists: creating a timer may run pending microtasks.
      this.#syncWaiters.add(done);
      timer = setTimeout(() => done(false), timeoutMs);
      if (!this.#syncWaiters.has(done)) clearTimeout(timer);
    });
  }

  /** The cached object (`namespace` "" for cluster-scoped ones). Treat it as read-only. */
  get(namespace: string, name: string): T | undefined {
    return this.#store.get(namespace, name);
  }

  /** Every cached object. Treat them as read-only. */
  list(): T[] {
    return this.#store.list();
  }

  /**
   * Calls `fn` for every object that appears; once synced, also at once for each cached
   * object (as client-go's `AddEventHandler`). Returns the function that unregisters it.
   */
  onAdd(fn: (obj: T) => void): () => void {
    return this.#store.onAdd(fn, this.#synced);
  }

  /** Calls `fn` for every change, and for every object at each resync (`old === cur`). */
  onUpdate(fn: (old: T, cur: T) => void): () => void {
    return this.#store.onUpdate(fn);
  }

  /** Calls `fn` with the last known state of every object that disappears. */
  onDelete(fn: (obj: T) => void): () => void {
    return this.#store.onDelete(fn);
  }

  /** Re-delivers the cache to `onUpdate` handlers now (the periodic resync calls this). */
  resync(): void {
    if (this.#synced) this.#store.resync();
  }

  /** Counters and state for metrics and readiness. */
  health(): InformerHealth {
    return {
      synced: this.#synced,
      connected: this.#connected,
      lastEventAt: this.#lastEventAt,
      relists: this.#relists,
      reconnects: this.#reconnects,
      errors: this.#errors,
      objects: this.#store.size,
      resourceVersion: this.#rv,
    };
  }

  async #run(signal: AbortSignal): Promise<void> {
    const backoff = this.#backoff;
    // A restart after stop() resumes the watch where it stopped (the server answers 410 if
    // that is too old); only the first start lists.
    let needList = !this.#listed;
    let consistent = false;
    while (!signal.aborted) {
      let outcome: Outcome;
      try {
        if (needList) {
          await this.#list(signal, consistent);
          needList = false;
          consistent = false;
        }
        outcome = await this.#watch(signal);
      } catch (err) {
        if (signal.aborted) break;
        const listing = needList;
        this.#fail(`${listing ? "list" : "watch"} failed: ${messageOf(err)}`);
        // A 410 to the watch request (or an expired continue token while paging): list the
        // latest state; at once, unless that is what just failed.
        const expired = isExpiredError(err);
        // No answer at all (refused, reset, TLS cut short) is a connectivity problem: the
        // watch resumes where it was; a relist would not help (the server says 410 if so).
        const noAnswer = err instanceof TransportError;
        if (listing || expired || !(noAnswer || isRetriable(err))) needList = true;
        if (listing || expired) consistent = true;
        if (!expired || listing) await this.#sleep(backoff, signal);
        continue;
      }
      if (signal.aborted) break;
      switch (outcome) {
        case "ended":
          backoff.reset();
          break;
        case "expired":
          needList = true;
          consistent = true;
          // Relist at once, unless the last LIST was a moment ago (no tight LIST loop).
          if (this.#clock.now() - this.#listedAt < SHORT_WATCH_MS) {
            await this.#sleep(backoff, signal);
          }
          break;
        case "error":
          needList = true;
          await this.#sleep(backoff, signal);
          break;
        case "short":
        case "stalled":
          await this.#sleep(backoff, signal);
          break;
      }
    }
  }

  async #sleep(backoff: Backoff, signal: AbortSignal): Promise<void> {
    const ms = backoff.next();
    this.#o.logger.debug(`${this.#o.name} informer: retrying in ${ms} ms`);
    await this.#clock.sleep(ms, signal);
  }

  #fail(message: string): void {
    this.#errors++;
    this.#connected = false;
    // One error line per outage; the retries that follow go to the debug log.
    if (this.#failing) this.#o.logger.debug(`${this.#o.name} informer: ${message}`);
    else this.#o.logger.error(`${this.#o.name} informer: ${message}; retrying with backoff`);
    this.#failing = true;
  }

  /** A LIST answer or watch event arrived. */
  #alive(): void {
    this.#lastEventAt = this.#clock.now();
    this.#open();
  }

  /**
   * The API server answered: connected from now on. Called by {@linkcode Informer.#alive}
   * and when a watch request is accepted, which after an outage is the moment of the
   * reconnect (the first change may come much later).
   */
  #open(): void {
    if (this.#connected) return;
    this.#connected = true;
    if (this.#failing) {
      this.#reconnects++;
      this.#failing = false;
      this.#o.logger.verbose(`${this.#o.name} informer: connected to the API server again`);
    }
  }

  async #list(signal: AbortSignal, consistent: boolean): Promise<void> {
    const transform = this.#o.transform ?? ((o: T) => o);
    const pageSize = this.#o.pageSize ?? DEFAULT_PAGE_SIZE;
    const items: T[] = [];
    let rv = "";
    let cont: string | undefined;
    do {
      const page = await this.#o.listWatch.list({
        ...(this.#o.fieldSelector ? { fieldSelector: this.#o.fieldSelector } : {}),
        ...(this.#o.labelSelector ? { labelSelector: this.#o.labelSelector } : {}),
        ...(pageSize > 0 ? { limit: pageSize } : {}),
        // The first LIST may come from the API server's watch cache ("0"); a re-LIST after
        // an error must not go back in time, so it reads the latest state ("").
        ...(cont ? { continue: cont } : consistent || this.#listed ? {} : { resourceVersion: "0" }),
        timeoutMs: this.#o.listTimeoutMs ?? 60_000,
        signal,
      });
      for (const item of page.items) items.push(transform(item));
      rv = page.metadata.resourceVersion ?? rv;
      cont = page.metadata.continue || undefined;
    } while (cont && !signal.aborted);
    if (signal.aborted) return;
    this.#replace(items, rv);
  }

  /** Swaps in a LIST result; the store emits the adds, updates and deletes it implies. */
  #replace(items: T[], rv: string): void {
    this.#store.replace(items);
    this.#rv = rv;
    if (this.#listed) this.#relists++;
    this.#listed = true;
    this.#listedAt = this.#clock.now();
    this.#alive();
    if (!this.#synced) {
      this.#synced = true;
      this.#o.logger.verbose(
        `${this.#o.name} informer: synced ${this.#store.size} objects at ${rv}`,
      );
      for (const w of [...this.#syncWaiters]) w(true);
    }
  }

  async #watch(signal: AbortSignal): Promise<Outcome> {
    const { min, max } = this.#o.watchTimeoutSeconds ?? { min: 300, max: 600 };
    const timeoutSeconds = Math.floor(min + (max - min + 1) * this.#random());
    const stallMs = this.#o.stallMs ?? timeoutSeconds * 1000 + WATCH_STALL_SLACK_MS;
    if (signal.aborted) return "ended";
    const watch = new AbortController();
    const onStop = (): void => watch.abort();
    signal.addEventListener("abort", onStop, { once: true });
    let stalled = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        watch.abort();
      }, stallMs);
    };
    const started = this.#clock.now();
    let events = 0;
    try {
      arm();
      const stream = this.#o.listWatch.watch({
        resourceVersion: this.#rv,
        ...(this.#o.fieldSelector ? { fieldSelector: this.#o.fieldSelector } : {}),
        ...(this.#o.labelSelector ? { labelSelector: this.#o.labelSelector } : {}),
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal: watch.signal,
        onOpen: () => this.#open(),
      });
      for await (const event of untilAborted(stream, watch.signal)) {
        events++;
        arm();
        this.#alive();
        const outcome = this.#apply(event);
        if (outcome) return outcome;
      }
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", onStop);
      watch.abort();
    }
    if (stalled) {
      this.#fail(`no event from the watch for ${stallMs} ms; reconnecting`);
      return "stalled";
    }
    if (events === 0 && this.#clock.now() - started < SHORT_WATCH_MS && !signal.aborted) {
      return "short";
    }
    return "ended";
  }

  /** Applies one watch event; returns how the watch ends when the event ends it. */
  #apply(event: WatchEvent<T>): Outcome | undefined {
    if (event.type === "ERROR") {
      if (isExpiredStatus(event.object)) {
        this.#o.logger.verbose(
          `${this.#o.name} informer: watch from ${this.#rv} expired (${
            event.object.message ?? "410"
          }); listing again`,
        );
        return "expired";
      }
      this.#fail(`watch error: ${event.object.message ?? JSON.stringify(event.object)}`);
      return "error";
    }
    this.#backoff.reset();
    const obj = event.object;
    const rv = obj.metadata?.resourceVersion;
    if (event.type === "BOOKMARK") {
      if (rv) this.#rv = rv;
      return undefined;
    }
    if (event.type === "DELETED") this.#store.remove(obj);
    else this.#store.upsert(this.#o.transform ? this.#o.transform(obj) : obj);
    if (rv) this.#rv = rv;
    return undefined;
  }
}
