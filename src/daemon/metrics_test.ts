import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createPromMetrics,
  DURATION_BUCKETS,
  kubeApiLabels,
  metricsHandler,
  noopMetrics,
  type PromMetrics,
} from "./metrics.ts";
import { processUsage } from "../platform/self.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  helps: Map<string, string>;
  samples: Sample[];
}

const SAMPLE_SUFFIXES = ["_bucket", "_sum", "_count"];

/** A strict reader of the Prometheus text format 0.0.4 (what a scraper accepts). */
function parseExposition(text: string): Exposition {
  const out: Exposition = { types: new Map(), helps: new Map(), samples: [] };
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        assert(
          ["counter", "gauge", "histogram", "summary", "untyped"].includes(meta[3]!),
          `line ${i + 1}: bad type ${meta[3]}`,
        );
        out.types.set(meta[2]!, meta[3]!);
      } else {
        out.helps.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert(m, `line ${i + 1} is not a sample: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? "";
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let pos = 0;
    while (pos < body.length) {
      re.lastIndex = pos;
      const l = re.exec(body);
      assert(l, `line ${i + 1}: bad labels at ${pos}: ${body}`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      pos = re.lastIndex;
    }
    const value = m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]);
    assert(!Number.isNaN(value), `line ${i + 1}: value ${m[4]} is not a number`);
    const name = m[1]!;
    const family = out.types.has(name)
      ? name
      : SAMPLE_SUFFIXES.map((s) => name.endsWith(s) ? name.slice(0, -s.length) : "")
        .find((f) => out.types.has(f));
    assert(family, `line ${i + 1}: sample ${name} has no # TYPE before it`);
    out.samples.push({ name, labels, value });
  }
  return out;
}

function value(
  exp: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return exp.samples.find((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
    Object.keys(s.labels).length === Object.keys(labels).length
  )?.value;
}

async function scrape(metrics: PromMetrics): Promise<Exposition> {
  return parseExposition((await metrics.render()).body);
}

Deno.test("createPromMetrics() renders parseable text with counters, gauges and histograms", async () => {
  const metrics = await createPromMetrics();
  metrics.requestStarted("/cni", "ADD");
  metrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.12 });
  metrics.delegateFinished("bridge", "ADD", 0.03, true);
  const { contentType, body } = await metrics.render();
  assertEquals(contentType, "text/plain; version=0.0.4; charset=utf-8");
  const exp = parseExposition(body);
  assertEquals(exp.types.get("multus_server_request_total"), "counter");
  assertEquals(exp.types.get("multus_cni_requests_total"), "counter");
  assertEquals(exp.types.get("multus_cni_request_duration_seconds"), "histogram");
  assertEquals(exp.types.get("multus_delegate_duration_seconds"), "histogram");
  assertEquals(exp.types.get("multus_cni_requests_in_flight"), "gauge");
  assertEquals(exp.types.get("multus_informer_synced"), "gauge");
  assertEquals(exp.types.get("multus_event_queue_pending"), "gauge");
  assertEquals(exp.types.get("process_resident_memory_bytes"), "gauge");
  assertEquals(exp.types.get("process_cpu_seconds_total"), "counter");
  for (const name of exp.types.keys()) assert(exp.helps.has(name), `${name} has no HELP`);
  // No prom-client default collectors (nodejs_* report NaN under Deno).
  assert(![...exp.types.keys()].some((n) => n.startsWith("nodejs_")));
});

Deno.test("createPromMetrics() counts requests by command and result, latency and errors by code", async () => {
  const metrics = await createPromMetrics({ processUsage: null });
  metrics.requestStarted("/cni", "ADD");
  metrics.requestStarted("/cni", "DEL");
  let exp = await scrape(metrics);
  assertEquals(value(exp, "multus_cni_requests_in_flight"), 2);

  metrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.12 });
  metrics.requestFinished("/cni", "DEL", { httpCode: 400, cniCode: 7, seconds: 2 });
  metrics.requestFinished("/healthz", "", { httpCode: 200, seconds: 0.001, method: "GET" });
  metrics.requestFinished("/cni", "ADD", { httpCode: 500, seconds: 31 });
  // A broken clock must not throw out of the daemon's handler.
  metrics.requestFinished("/cni", "CHECK", { httpCode: 200, seconds: NaN });
  metrics.delegateFinished("bridge", "CHECK", -1, true);
  exp = await scrape(metrics);
  assertEquals(value(exp, "multus_cni_requests_in_flight"), 0);
  assertEquals(
    value(exp, "multus_server_request_total", { handler: "/cni", code: "200", method: "post" }),
    2,
  );
  assertEquals(
    value(exp, "multus_server_request_total", { handler: "/healthz", code: "200", method: "get" }),
    1,
  );
  assertEquals(value(exp, "multus_cni_requests_total", { command: "ADD", result: "success" }), 1);
  assertEquals(value(exp, "multus_cni_requests_total", { command: "ADD", result: "error" }), 1);
  assertEquals(value(exp, "multus_cni_requests_total", { command: "DEL", result: "error" }), 1);
  assertEquals(value(exp, "multus_cni_errors_total", { code: "7" }), 1);
  assertEquals(value(exp, "multus_cni_errors_total", { code: "999" }), 1);
  // /healthz carries no command: it is not a CNI request.
  assertEquals(exp.samples.filter((s) => s.name === "multus_cni_requests_total").length, 4);
  const checkCount = value(exp, "multus_cni_request_duration_seconds_count", { command: "CHECK" });
  assertEquals(checkCount, undefined);

  const h = "multus_cni_request_duration_seconds";
  assertEquals(value(exp, `${h}_count`, { command: "ADD" }), 2);
  assertEquals(value(exp, `${h}_sum`, { command: "ADD" }), 31.12);
  assertEquals(value(exp, `${h}_bucket`, { command: "ADD", le: "0.1" }), 0);
  assertEquals(value(exp, `${h}_bucket`, { command: "ADD", le: "0.25" }), 1);
  assertEquals(value(exp, `${h}_bucket`, { command: "ADD", le: "30" }), 1);
  assertEquals(value(exp, `${h}_bucket`, { command: "ADD", le: "+Inf" }), 2);
  const les = exp.samples.filter((s) => s.name === `${h}_bucket` && s.labels.command === "DEL")
    .map((s) => s.labels.le);
  assertEquals(les, [...DURATION_BUCKETS.map(String), "+Inf"]);
});

Deno.test("createPromMetrics() tracks in-flight per handler, the command known only at the end", async () => {
  const metrics = await createPromMetrics({ processUsage: null });
  // The daemon's handler starts with command "" and learns it from the body.
  metrics.requestStarted("/cni", "");
  metrics.requestStarted("/cni", "");
  assertEquals(value(await scrape(metrics), "multus_cni_requests_in_flight"), 2);
  metrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.1 });
  // An undecodable request: no command, still a failed CNI request.
  metrics.requestFinished("/cni", "", { httpCode: 400, cniCode: 4, seconds: 0.001 });
  const exp = await scrape(metrics);
  assertEquals(value(exp, "multus_cni_requests_in_flight"), 0);
  assertEquals(value(exp, "multus_cni_requests_total", { command: "other", result: "error" }), 1);
  assertEquals(value(exp, "multus_cni_errors_total", { code: "4" }), 1);
});

Deno.test("createPromMetrics() never lets in-flight go below zero on unmatched finishes", async () => {
  const metrics = await createPromMetrics({ processUsage: null });
  metrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.1 });
  metrics.requestStarted("/cni", "ADD");
  metrics.requestFinished("/delegate", "ADD", { httpCode: 200, seconds: 0.1 });
  assertEquals(value(await scrape(metrics), "multus_cni_requests_in_flight"), 1);
});

Deno.test("createPromMetrics() maps unknown commands to 'other' and escapes label values", async () => {
  const metrics = await createPromMetrics({ processUsage: null });
  metrics.requestFinished("/cni", "EVIL\nCOMMAND", { httpCode: 400, seconds: 0.01 });
  const odd = 'we"ird\\type\nx';
  metrics.delegateFinished(odd, "add", 0.2, false);
  const { body } = await metrics.render();
  assert(body.includes('plugin_type="we\\"ird\\\\type\\nx"'), body);
  const exp = parseExposition(body);
  assertEquals(value(exp, "multus_cni_requests_total", { command: "other", result: "error" }), 1);
  assertEquals(
    value(exp, "multus_delegate_duration_seconds_count", { plugin_type: odd, command: "ADD" }),
    1,
  );
  assertEquals(value(exp, "multus_delegate_errors_total", { plugin_type: odd, command: "ADD" }), 1);
});

Deno.test("createPromMetrics() reports API requests, informer health and the event queue", async () => {
  const metrics = await createPromMetrics({ processUsage: null });
  metrics.apiRequest("patch", "pods/status", 200);
  metrics.apiRequest("patch", "pods/status", 200);
  metrics.apiRequest("get", "pods", null);
  const health = {
    synced: true,
    connected: true,
    lastEventAt: 1_700_000_000_500,
    relists: 2,
    errors: 1,
    objects: 30,
    resourceVersion: "123",
  };
  metrics.setInformerHealth("pods", { ...health, reconnects: 1 });
  metrics.setInformerHealth("pods", { ...health, relists: 5, reconnects: 3, errors: 4 });
  metrics.setInformerHealth("network-attachment-definitions", {
    synced: false,
    connected: false,
    lastEventAt: null,
    relists: 0,
    reconnects: 0,
    errors: 0,
    objects: 0,
    resourceVersion: "",
  });
  metrics.eventQueue({ sent: 10, failed: 0, dropped: 1, filtered: 0, pending: 4 });
  metrics.eventQueue({ sent: 12, failed: 2, dropped: 1, filtered: 3, pending: 0 });
  let exp = await scrape(metrics);
  const api = "multus_api_requests_total";
  assertEquals(value(exp, api, { verb: "patch", resource: "pods/status", code: "200" }), 2);
  assertEquals(value(exp, api, { verb: "get", resource: "pods", code: "error" }), 1);
  assertEquals(value(exp, "multus_informer_synced", { resource: "pods" }), 1);
  assertEquals(value(exp, "multus_informer_connected", { resource: "pods" }), 1);
  const nad = { resource: "network-attachment-definitions" };
  assertEquals(value(exp, "multus_informer_synced", nad), 0);
  assertEquals(value(exp, "multus_informer_last_event_timestamp_seconds", nad), undefined);
  assertEquals(
    value(exp, "multus_informer_last_event_timestamp_seconds", { resource: "pods" }),
    1_700_000_000.5,
  );
  assertEquals(value(exp, "multus_informer_relists_total", { resource: "pods" }), 5);
  assertEquals(value(exp, "multus_informer_reconnects_total", { resource: "pods" }), 3);
  assertEquals(value(exp, "multus_informer_errors_total", { resource: "pods" }), 4);
  assertEquals(value(exp, "multus_informer_objects", { resource: "pods" }), 30);
  assertEquals(value(exp, "multus_event_queue_pending"), 0);
  assertEquals(value(exp, "multus_event_queue_sent_total"), 12);
  assertEquals(value(exp, "multus_event_queue_dropped_total"), 1);
  assertEquals(value(exp, "multus_event_queue_filtered_total"), 3);
  assertEquals(value(exp, "multus_event_queue_failed_total"), 2);

  // The informer was re-created: its totals restart from 0; the counter never goes down.
  metrics.setInformerHealth("pods", { ...health, relists: 1, reconnects: 0 });
  metrics.setInformerHealth("pods", { ...health, relists: 3, reconnects: 0 });
  exp = await scrape(metrics);
  assertEquals(value(exp, "multus_informer_relists_total", { resource: "pods" }), 7);
  assertEquals(value(exp, "multus_informer_reconnects_total", { resource: "pods" }), 3);
});

Deno.test("createPromMetrics() exports process gauges from the injected reader", async () => {
  let cpu = 1.5;
  const metrics = await createPromMetrics({
    processUsage: () => ({
      rssBytes: 42 * 1024 * 1024,
      heapUsedBytes: 7_000_000,
      cpuSeconds: cpu,
      startTimeSeconds: 1_700_000_000,
    }),
  });
  let exp = await scrape(metrics);
  assertEquals(value(exp, "process_resident_memory_bytes"), 42 * 1024 * 1024);
  assertEquals(value(exp, "process_heap_used_bytes"), 7_000_000);
  assertEquals(value(exp, "process_start_time_seconds"), 1_700_000_000);
  assertEquals(value(exp, "process_cpu_seconds_total"), 1.5);
  cpu = 2.25;
  exp = await scrape(metrics);
  assertEquals(value(exp, "process_cpu_seconds_total"), 2.25);
  const without = await scrape(await createPromMetrics({ processUsage: null }));
  assert(![...without.types.keys()].some((n) => n.startsWith("process_")));
});

Deno.test("createPromMetrics() calls onScrape before each scrape to refresh read state", async () => {
  let objects = 1;
  const metrics = await createPromMetrics({
    processUsage: null,
    onScrape: (m) =>
      m.setInformerHealth("pods", {
        synced: true,
        connected: true,
        lastEventAt: null,
        relists: 0,
        reconnects: 0,
        errors: 0,
        objects: objects++,
        resourceVersion: "1",
      }),
  });
  assertEquals(value(await scrape(metrics), "multus_informer_objects", { resource: "pods" }), 1);
  assertEquals(value(await scrape(metrics), "multus_informer_objects", { resource: "pods" }), 2);
});

Deno.test("processUsage() reads plausible values of this process", () => {
  const u = processUsage();
  assert(u.rssBytes > 1024 * 1024 && u.rssBytes < 4 * 1024 ** 3, `rss ${u.rssBytes}`);
  assert(u.heapUsedBytes > 0);
  assert(u.cpuSeconds >= 0 && u.cpuSeconds < 3600, `cpu ${u.cpuSeconds}`);
  // Burn CPU until the kernel's 10 ms ticks show it (at most 2 s of wall time).
  const until = performance.now() + 2000;
  let later = u.cpuSeconds;
  while (later <= u.cpuSeconds && performance.now() < until) later = processUsage().cpuSeconds;
  assert(later > u.cpuSeconds, "CPU time never advanced");
  assert(Math.abs(u.startTimeSeconds - Date.now() / 1000) < 3600);
});

Deno.test("createPromMetrics() uses a fresh registry each time (no duplicate-name errors)", async () => {
  const a = await createPromMetrics({ processUsage: null });
  const b = await createPromMetrics({ processUsage: null });
  a.apiRequest("get", "pods", 200);
  assertEquals(
    value(await scrape(b), "multus_api_requests_total", {
      verb: "get",
      resource: "pods",
      code: "200",
    }),
    undefined,
  );
});

Deno.test("noopMetrics records nothing and costs nothing measurable", () => {
  assert(Object.isFrozen(noopMetrics));
  const health = {
    synced: true,
    connected: true,
    lastEventAt: null,
    relists: 0,
    reconnects: 0,
    errors: 0,
    objects: 0,
    resourceVersion: "",
  };
  const t0 = performance.now();
  for (let i = 0; i < 200_000; i++) {
    noopMetrics.requestStarted("/cni", "ADD");
    noopMetrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.1 });
    noopMetrics.delegateFinished("bridge", "ADD", 0.1, true);
    noopMetrics.apiRequest("get", "pods", 200);
    noopMetrics.setInformerHealth("pods", health);
    noopMetrics.eventQueue({ sent: 0, failed: 0, dropped: 0, filtered: 0, pending: 0 });
  }
  const perCall = (performance.now() - t0) / 1_200_000;
  assert(perCall < 0.001, `a noop call took ${perCall} ms`);
});

Deno.test("metrics.ts reaches prom-client only through a dynamic import", async () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(here, "metrics.ts")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: Array<{ specifier: string; dependencies?: Array<Record<string, unknown>> }>;
  };
  const mod = info.modules.find((m) => m.specifier.endsWith("/daemon/metrics.ts"));
  const deps = (mod?.dependencies ?? []).filter((d) => String(d.specifier) === "prom-client");
  assert(deps.length > 0, "metrics.ts should mention prom-client");
  for (const d of deps) {
    // A static value import would have a `code` entry that is not dynamic.
    const code = d.code as { specifier?: string } | undefined;
    assert(code === undefined || d.isDynamic === true, JSON.stringify(d));
  }
});

Deno.test("kubeApiLabels() derives verb and resource from method and path", () => {
  const cases: Array<[string, string, string, string]> = [
    ["GET", "/api/v1/namespaces/ns1/pods/p1", "get", "pods"],
    ["GET", "/api/v1/pods", "list", "pods"],
    ["GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch=true", "list", "pods"],
    ["PATCH", "/api/v1/namespaces/ns1/pods/p1/status", "patch", "pods/status"],
    ["PUT", "/api/v1/namespaces/ns1/pods/p1/status", "update", "pods/status"],
    ["POST", "/apis/events.k8s.io/v1/namespaces/ns1/events", "create", "events"],
    [
      "GET",
      "/apis/k8s.cni.cncf.io/v1/network-attachment-definitions",
      "list",
      "network-attachment-definitions",
    ],
    ["GET", "/api/v1/namespaces/ns1", "get", "namespaces"],
    ["DELETE", "/api/v1/namespaces/ns1/pods/p1", "delete", "pods"],
  ];
  for (const [method, path, verb, resource] of cases) {
    assertEquals(kubeApiLabels(method, path), { verb, resource }, `${method} ${path}`);
  }
});

Deno.test("metricsHandler() serves GET and HEAD /metrics, 405 for other methods, 404 elsewhere", async () => {
  const handler = metricsHandler({
    render: () => Promise.resolve({ contentType: "text/plain; version=0.0.4", body: "a 1\n" }),
  });
  const get = await handler(new Request("http://node:9106/metrics"));
  assertEquals(get.status, 200);
  assertEquals(get.headers.get("content-type"), "text/plain; version=0.0.4");
  assertEquals(await get.text(), "a 1\n");
  const head = await handler(new Request("http://node:9106/metrics", { method: "HEAD" }));
  assertEquals([head.status, await head.text()], [200, ""]);
  const post = await handler(new Request("http://node:9106/metrics", { method: "POST" }));
  assertEquals([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
  await post.body?.cancel();
  for (const path of ["/", "/metrics/", "/debug/pprof/"]) {
    const res = await handler(new Request(`http://node:9106${path}`));
    assertEquals(res.status, 404, path);
    await res.body?.cancel();
  }
  const broken = metricsHandler({ render: () => Promise.reject(new Error("collector failed")) });
  const res = await broken(new Request("http://node:9106/metrics"));
  assertEquals([res.status, await res.text()], [500, "cannot render metrics: collector failed\n"]);
});

Deno.test("metricsHandler() over a real TCP socket answers a scrape", async () => {
  const metrics = await createPromMetrics();
  metrics.requestFinished("/cni", "ADD", { httpCode: 200, seconds: 0.05 });
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    metricsHandler(metrics),
  );
  try {
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/metrics`);
    assertEquals(res.status, 200);
    const exp = parseExposition(await res.text());
    assertEquals(value(exp, "multus_cni_requests_total", { command: "ADD", result: "success" }), 1);
    assert((value(exp, "process_resident_memory_bytes") ?? 0) > 0);
  } finally {
    ac.abort();
    await server.finished;
  }
});
