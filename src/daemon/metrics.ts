/**
 * The daemon's Prometheus metrics. The daemon reports through {@linkcode DaemonMetrics};
 * without `metricsPort` it gets {@linkcode noopMetrics} and `prom-client` is never
 * loaded (measured under Deno 2.9: about 50 ms and 9-19 MiB of RSS, the larger figure
 * when it is the first Node-compat module the process loads). With a port,
 * {@linkcode createPromMetrics} imports it and {@linkcode metricsHandler} serves
 * `GET /metrics` in the Prometheus text format.
 *
 * Names: Multus's own counter `multus_server_request_total{handler,code,method}` is kept
 * as is; the rest are ours (`multus_cni_*`, `multus_delegate_*`, `multus_api_*`,
 * `multus_informer_*`, `multus_event_queue_*`, and the standard `process_*` metrics).
 *
 * @example
 * ```ts
 * const metrics = conf.metricsPort ? await createPromMetrics() : noopMetrics;
 * metrics.requestStarted("/cni", "ADD");
 * metrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.12 });
 * ```
 *
 * @module
 */
import type { Counter, Gauge, Registry } from "prom-client";
import { importLazily } from "../platform/lazy_import.ts";
import { type ProcessUsage, processUsage } from "../platform/self.ts";
import type { EventQueueStats } from "./event_queue.ts";
import type { InformerHealth } from "./informer.ts";

/** How one request to the daemon ended. */
export interface RequestOutcome {
  /** The HTTP status the daemon answered with. */
  httpCode: number;
  /** The CNI error code, when the answer was a CNI error. */
  cniCode?: number;
  /** Wall time from request start to answer. */
  seconds: number;
  /** HTTP method (Multus's `method` label, lower-cased); `post` when absent. */
  method?: string;
}

/**
 * What the daemon reports. Every method is cheap and never throws (a non-finite or
 * negative duration is not recorded).
 */
export interface DaemonMetrics {
  /**
   * A request to `handler` has started (`command` may still be "": the handler learns
   * it only once the body is decoded). Counts in `multus_cni_requests_in_flight`.
   */
  requestStarted(handler: string, command: string): void;
  /**
   * A request has been answered. Requests to `/cni` and `/delegate`, or with a
   * `command`, are CNI requests (an undecodable one counts as command `other`); the
   * rest (`/healthz`, `/readyz`, 404s) count only in `multus_server_request_total`.
   */
  requestFinished(handler: string, command: string, outcome: RequestOutcome): void;
  /** A delegate plugin of `pluginType` finished `command` (wire `observeDelegate` here). */
  delegateFinished(pluginType: string, command: string, seconds: number, ok: boolean): void;
  /** An API request got `code` (null: no response). See {@linkcode kubeApiLabels}. */
  apiRequest(verb: string, resource: string, code: number | null): void;
  /** The current state of the informer for `resource`. */
  setInformerHealth(resource: string, health: InformerHealth): void;
  /** The current counters of the event queue (the Events the daemon posts). */
  eventQueue(stats: EventQueueStats): void;
}

/** Metrics that record nothing (no `metricsPort`). */
export const noopMetrics: DaemonMetrics = Object.freeze({
  requestStarted(): void {},
  requestFinished(): void {},
  delegateFinished(): void {},
  apiRequest(): void {},
  setInformerHealth(): void {},
  eventQueue(): void {},
});

/** The Prometheus exposition of the metrics. */
export interface RenderedMetrics {
  contentType: string;
  body: string;
}

/** {@linkcode DaemonMetrics} kept in a `prom-client` registry. */
export interface PromMetrics extends DaemonMetrics {
  /** The current values in the Prometheus text format (0.0.4). */
  render(): Promise<RenderedMetrics>;
}

/** Options of {@linkcode createPromMetrics}. */
export interface PromMetricsOptions {
  /** Reads the process's resource use for the `process_*` gauges; null leaves them out. */
  processUsage?: (() => ProcessUsage) | null;
  /**
   * Called at the start of every scrape, to report state that is read rather than
   * counted, e.g. `(m) => m.setInformerHealth("pods", pods.health())`. An error it
   * throws fails that scrape (HTTP 500), nothing else.
   */
  onScrape?: (metrics: DaemonMetrics) => void;
}

/**
 * Buckets of `multus_cni_request_duration_seconds` and `multus_delegate_duration_seconds`:
 * 5 ms (a passthru or loopback) to 30 s (an IPAM waiting for its server).
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
];

const COMMANDS = new Set(["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"]);
const CNI_HANDLERS = new Set(["/cni", "/delegate"]);

/** A CNI command as a label value; anything unexpected is `other` (bounded cardinality). */
function commandLabel(command: string): string {
  const upper = command.toUpperCase();
  return COMMANDS.has(upper) ? upper : "other";
}

/** Whether `seconds` can be observed (prom-client throws on NaN). */
function isDuration(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds >= 0;
}

/**
 * Turns cumulative totals kept elsewhere (an informer's relist count) into counter
 * increments. A total that goes down (its owner restarted) becomes the new baseline.
 */
function cumulative<T extends string>(counter: Counter<T>) {
  const last = new Map<string, number>();
  return (labels: Partial<Record<T, string>>, total: number): void => {
    const key = JSON.stringify(labels);
    const prev = last.get(key);
    last.set(key, total);
    if (prev === undefined) {
      counter.inc(labels, total > 0 ? total : 0);
    } else if (total > prev) {
      counter.inc(labels, total - prev);
    }
  };
}

/**
 * Creates metrics in a fresh `prom-client` registry (imported here, on first use, through
 * `prom_client.ts`).
 * prom-client's default Node.js collectors are not registered: under Deno the event-loop
 * lag gauges report `Nan` and nonsense minima. The standard `process_*` gauges come from
 * `processUsage` instead.
 */
export async function createPromMetrics(opts: PromMetricsOptions = {}): Promise<PromMetrics> {
  const prom = await importLazily<typeof import("./prom_client.ts")>(
    new URL("./prom_client.ts", import.meta.url),
    { npm: true },
  );
  const registry: Registry = new prom.Registry();
  const registers = [registry];
  const counter = <T extends string>(name: string, help: string, labelNames: T[]) =>
    new prom.Counter<T>({ name, help, labelNames, registers });
  const gauge = <T extends string>(name: string, help: string, labelNames: T[]) =>
    new prom.Gauge<T>({ name, help, labelNames, registers });
  const histogram = <T extends string>(name: string, help: string, labelNames: T[]) =>
    new prom.Histogram<T>({
      name,
      help,
      labelNames,
      buckets: [...DURATION_BUCKETS],
      registers,
    });

  const server = counter("multus_server_request_total", "Counter of HTTP requests", [
    "handler",
    "code",
    "method",
  ]);
  const requests = counter(
    "multus_cni_requests_total",
    "CNI requests answered, by command and result (success or error).",
    ["command", "result"],
  );
  const duration = histogram(
    "multus_cni_request_duration_seconds",
    "Time to answer a CNI request, by command.",
    ["command"],
  );
  const inFlight: Gauge = gauge(
    "multus_cni_requests_in_flight",
    "CNI requests being handled now.",
    [],
  );
  const errors = counter(
    "multus_cni_errors_total",
    "CNI requests that failed, by CNI error code (999: not a CNI error).",
    ["code"],
  );
  const delegates = histogram(
    "multus_delegate_duration_seconds",
    "Time a delegate plugin took, by plugin type and command.",
    ["plugin_type", "command"],
  );
  const delegateErrors = counter(
    "multus_delegate_errors_total",
    "Delegate plugin invocations that failed, by plugin type and command.",
    ["plugin_type", "command"],
  );
  const api = counter(
    "multus_api_requests_total",
    "Kubernetes API requests, by verb, resource and HTTP code (error: no response).",
    ["verb", "resource", "code"],
  );
  const synced = gauge("multus_informer_synced", "1 when the informer has synced.", ["resource"]);
  const connected = gauge(
    "multus_informer_connected",
    "1 when the informer heard from the API server (a list or a watch event) since its last failure.",
    ["resource"],
  );
  const lastEvent = gauge(
    "multus_informer_last_event_timestamp_seconds",
    "When the informer's last watch event arrived (seconds since the epoch).",
    ["resource"],
  );
  const relists = cumulative(
    counter("multus_informer_relists_total", "Full re-lists by the informer.", ["resource"]),
  );
  const reconnects = cumulative(
    counter("multus_informer_reconnects_total", "Watch re-connections by the informer.", [
      "resource",
    ]),
  );
  const informerErrors = cumulative(
    counter("multus_informer_errors_total", "Failed LISTs and watches of the informer.", [
      "resource",
    ]),
  );
  const informerObjects = gauge("multus_informer_objects", "Objects in the informer's cache.", [
    "resource",
  ]);
  const queuePending = gauge(
    "multus_event_queue_pending",
    "Kubernetes Events waiting to be posted or in flight.",
    [],
  );
  const queueSent = cumulative(
    counter("multus_event_queue_sent_total", "Kubernetes Events the API server accepted.", []),
  );
  const queueFailed = cumulative(
    counter("multus_event_queue_failed_total", "Kubernetes Events given up on.", []),
  );
  const queueDropped = cumulative(
    counter(
      "multus_event_queue_dropped_total",
      "Kubernetes Events dropped unsent because the queue was full.",
      [],
    ),
  );
  const queueFiltered = cumulative(
    counter(
      "multus_event_queue_filtered_total",
      "Kubernetes Events not written: their pod's spam-filter bucket was empty (client-go's).",
      [],
    ),
  );
  const readUsage = opts.processUsage === undefined ? processUsage : opts.processUsage;
  if (readUsage) registerProcessGauges(prom, registry, readUsage);

  // In flight per handler: the command is often unknown when a request starts.
  const started = new Map<string, number>();

  const metrics: PromMetrics = {
    requestStarted(handler: string): void {
      started.set(handler, (started.get(handler) ?? 0) + 1);
      inFlight.inc();
    },
    requestFinished(handler: string, command: string, outcome: RequestOutcome): void {
      const open = started.get(handler) ?? 0;
      if (open > 0) {
        if (open === 1) started.delete(handler);
        else started.set(handler, open - 1);
        inFlight.dec();
      }
      server.inc({
        handler,
        code: String(outcome.httpCode),
        method: (outcome.method ?? "post").toLowerCase(),
      });
      if (command === "" && !CNI_HANDLERS.has(handler)) return;
      const cmd = commandLabel(command);
      const ok = outcome.httpCode >= 200 && outcome.httpCode < 300 && outcome.cniCode === undefined;
      requests.inc({ command: cmd, result: ok ? "success" : "error" });
      if (isDuration(outcome.seconds)) duration.observe({ command: cmd }, outcome.seconds);
      if (!ok) errors.inc({ code: String(outcome.cniCode ?? 999) });
    },
    delegateFinished(pluginType: string, command: string, seconds: number, ok: boolean): void {
      const labels = { "plugin_type": pluginType, command: commandLabel(command) };
      if (isDuration(seconds)) delegates.observe(labels, seconds);
      if (!ok) delegateErrors.inc(labels);
    },
    apiRequest(verb: string, resource: string, code: number | null): void {
      api.inc({ verb, resource, code: code === null ? "error" : String(code) });
    },
    setInformerHealth(resource: string, health: InformerHealth): void {
      synced.set({ resource }, health.synced ? 1 : 0);
      connected.set({ resource }, health.connected ? 1 : 0);
      if (health.lastEventAt === null) {
        lastEvent.remove({ resource });
      } else if (Number.isFinite(health.lastEventAt)) {
        lastEvent.set({ resource }, health.lastEventAt / 1000);
      }
      relists({ resource }, health.relists);
      reconnects({ resource }, health.reconnects);
      informerErrors({ resource }, health.errors);
      informerObjects.set({ resource }, health.objects);
    },
    eventQueue(stats: EventQueueStats): void {
      queuePending.set(stats.pending);
      queueSent({}, stats.sent);
      queueFailed({}, stats.failed);
      queueDropped({}, stats.dropped);
      queueFiltered({}, stats.filtered);
    },
    async render(): Promise<RenderedMetrics> {
      opts.onScrape?.(metrics);
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
  return metrics;
}

function registerProcessGauges(
  prom: typeof import("./prom_client.ts"),
  registry: Registry,
  read: () => ProcessUsage,
): void {
  let cpuSeen = 0;
  new prom.Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect(): void {
      this.set(read().rssBytes);
    },
  });
  new prom.Gauge({
    name: "process_heap_used_bytes",
    help: "JavaScript heap in use, in bytes.",
    registers: [registry],
    collect(): void {
      this.set(read().heapUsedBytes);
    },
  });
  new prom.Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers: [registry],
    collect(): void {
      this.set(read().startTimeSeconds);
    },
  });
  new prom.Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers: [registry],
    collect(): void {
      const total = read().cpuSeconds;
      if (total > cpuSeen) this.inc(total - cpuSeen);
      cpuSeen = Math.max(cpuSeen, total);
    },
  });
}

/**
 * `verb` and `resource` labels of a Kubernetes API request from its method and path
 * (the kube client's `onRequest` hook): `GET .../pods/p/status` is `get pods/status`,
 * `GET .../pods` is `list pods` (a watch is a GET on a collection too: `list`).
 */
export function kubeApiLabels(method: string, path: string): { verb: string; resource: string } {
  const parts = path.split("?")[0]!.split("/").filter((p) => p !== "");
  // /api/v1/... or /apis/<group>/<version>/...
  let rest = parts[0] === "api" ? parts.slice(2) : parts[0] === "apis" ? parts.slice(3) : parts;
  if (rest[0] === "namespaces" && rest.length >= 3) rest = rest.slice(2);
  const [resource = "unknown", name, sub] = rest;
  const verbs: Record<string, string> = {
    POST: "create",
    PUT: "update",
    PATCH: "patch",
    DELETE: "delete",
  };
  const m = method.toUpperCase();
  const verb = m === "GET" ? (name === undefined ? "list" : "get") : verbs[m] ?? m.toLowerCase();
  return { verb, resource: sub === undefined ? resource : `${resource}/${sub}` };
}

/** A renderer of metrics: what {@linkcode metricsHandler} serves. */
export interface MetricsSource {
  render(): Promise<RenderedMetrics>;
}

/**
 * The HTTP handler of the metrics port: `GET`/`HEAD /metrics` answer the exposition,
 * other methods on it 405, every other path 404. The daemon's server binds it to
 * `:<metricsPort>`.
 */
export function metricsHandler(metrics: MetricsSource): (req: Request) => Promise<Response> {
  return async (req: Request): Promise<Response> => {
    const { pathname } = new URL(req.url);
    if (pathname !== "/metrics") return new Response("404 page not found\n", { status: 404 });
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    try {
      const { contentType, body } = await metrics.render();
      return new Response(req.method === "HEAD" ? null : body, {
        headers: { "content-type": contentType },
      });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return new Response(`cannot render metrics: ${msg}\n`, { status: 500 });
    }
  };
}
