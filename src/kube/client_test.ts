import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { envFromObject } from "../platform/process.ts";
import { TransportError } from "../platform/http.ts";
import { type CannedResponse, FakeExec, fakeTransports, MemoryFs, statusBody } from "./_testing.ts";
import { createKubeClient, RequestCounter } from "./client.ts";
import {
  isConflict,
  isNotFound,
  isRetriable,
  isUidMismatch,
  KubeApiError,
  KubeCredentialError,
} from "./errors.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";
import type { HttpRequest } from "../platform/http.ts";

function config(overrides: Partial<KubeConnectionConfig> = {}): KubeConnectionConfig {
  return {
    origin: "kubeconfig /k",
    server: "https://api:6443",
    tls: { insecureSkipVerify: false, caPems: ["CA"] },
    auth: { kind: "token", token: "s3cr3t" },
    warnings: [],
    ...overrides,
  };
}

function setup(
  answer: (req: HttpRequest) => CannedResponse | Error,
  overrides: Partial<KubeConnectionConfig> = {},
  fs = new MemoryFs(),
) {
  const t = fakeTransports(answer);
  const counter = new RequestCounter();
  const client = createKubeClient(config(overrides), {
    fs,
    exec: new FakeExec(() => ({})),
    env: envFromObject({}),
    transportFactory: t.factory,
    onRequest: counter.onRequest,
  });
  return { client, t, counter };
}

const POD = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u1" } };

Deno.test("getPod() sends one GET with Accept, User-Agent, bearer token and the default timeout", async () => {
  const { client, t, counter } = setup(() => ({ body: POD }));
  assertEquals(await client.getPod("ns", "p"), POD);
  const [req] = t.requests();
  assertEquals(req!.method, "GET");
  assertEquals(req!.url, "https://api:6443/api/v1/namespaces/ns/pods/p");
  assertEquals(req!.headers["accept"], "application/json");
  ok(/^multus-deno\/\S+$/.test(req!.headers["user-agent"]!));
  assertEquals(req!.headers["authorization"], "Bearer s3cr3t");
  assertEquals(req!.timeoutMs, 10_000);
  assertEquals(t.made[0]!.options, { caPems: ["CA"] });
  assertEquals(counter.total, 1);
  assertEquals(counter.requests[0]!.status, 200);
  client.close();
  ok(t.made[0]!.closed);
});

Deno.test("getNad() GETs the k8s.cni.cncf.io path with a per-call timeout", async () => {
  const { client, t } = setup(() => ({
    body: { metadata: { name: "n" }, spec: { config: "{}" } },
  }));
  await client.getNad("kube-system", "macvlan", { timeoutMs: 250 });
  assertEquals(
    t.requests()[0]!.url,
    "https://api:6443/apis/k8s.cni.cncf.io/v1/namespaces/kube-system/network-attachment-definitions/macvlan",
  );
  assertEquals(t.requests()[0]!.timeoutMs, 250);
});

Deno.test("every path segment is escaped, and a namespace or name that would change the path is refused unsent", async () => {
  const { client, t } = setup(() => ({ body: POD }));
  await client.getPod("ns", "p q");
  await client.getNad("ns", "net.a");
  assertEquals(t.requests().map((r) => r.url), [
    "https://api:6443/api/v1/namespaces/ns/pods/p%20q",
    "https://api:6443/apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/net.a",
  ]);
  const refused = async (call: () => Promise<unknown>, msg: string) =>
    await rejects(call, (e: Error) => e.message === msg);
  await refused(
    () => client.getNad("a/b", "net-a"),
    `invalid namespace "a/b": [may not contain '/']`,
  );
  await refused(() => client.getNad("ns", ".."), `invalid resource name "..": [may not be '..']`);
  await refused(
    () => client.getNad("ns", "%2e%2e"),
    `invalid resource name "%2e%2e": [may not contain '%']`,
  );
  await refused(() => client.getNad("ns", ""), "resource name may not be empty");
  await refused(
    () => client.getPod("", "p"),
    "an empty namespace may not be set when a resource name is provided",
  );
  await refused(
    () => client.patchPodStatus("ns", "a/b", { annotations: {} }),
    `invalid resource name "a/b": [may not contain '/']`,
  );
  await refused(
    () => client.updatePodStatus(".", "p", POD as never),
    `invalid namespace ".": [may not be '.']`,
  );
  await refused(
    () => client.createEvent("x/y", {} as never),
    `invalid namespace "x/y": [may not contain '/']`,
  );
  await refused(
    () => client.patchEvent("ns", "e/../f", {}),
    `invalid resource name "e/../f": [may not contain '/']`,
  );
  await refused(
    () => client.listPods({ namespace: "a/b" }),
    `invalid namespace "a/b": [may not contain '/']`,
  );
  await refused(
    () => client.getResourceClaim!("ns", "c/d"),
    `invalid resource name "c/d": [may not contain '/']`,
  );
  const watch = client.watchNads({
    namespace: "..",
    resourceVersion: "1",
    signal: new AbortController().signal,
  });
  await refused(
    () => watch[Symbol.asyncIterator]().next(),
    `invalid namespace "..": [may not be '..']`,
  );
  assertEquals(t.requests().length, 2);
});

Deno.test("patchPodStatus() sends one merge patch of pods/status with the UID precondition", async () => {
  const { client, t, counter } = setup(() => ({ body: POD }));
  await client.patchPodStatus("ns", "p", {
    uid: "u1",
    annotations: { "k8s.v1.cni.cncf.io/network-status": "[]" },
  });
  const [req] = t.requests();
  assertEquals(req!.method, "PATCH");
  assertEquals(req!.url, "https://api:6443/api/v1/namespaces/ns/pods/p/status");
  assertEquals(req!.headers["content-type"], "application/merge-patch+json");
  assertEquals(JSON.parse(req!.body!), {
    metadata: { uid: "u1", annotations: { "k8s.v1.cni.cncf.io/network-status": "[]" } },
  });
  await client.patchPodStatus("ns", "p", { annotations: { a: null } });
  assertEquals(JSON.parse(t.requests()[1]!.body!), { metadata: { annotations: { a: null } } });
  assertEquals(counter.count({ method: "PATCH" }), 2);
});

Deno.test("updatePodStatus() PUTs the whole pod to pods/status as JSON", async () => {
  const { client, t, counter } = setup(() => ({ body: POD }));
  const pod = {
    metadata: { name: "p", namespace: "ns", uid: "u1", resourceVersion: "7", labels: { a: "b" } },
    spec: { nodeName: "n1" },
  };
  await client.updatePodStatus("ns", "p", pod);
  const [req] = t.requests();
  assertEquals(req!.method, "PUT");
  assertEquals(req!.url, "https://api:6443/api/v1/namespaces/ns/pods/p/status");
  assertEquals(req!.headers["content-type"], "application/json");
  assertEquals(JSON.parse(req!.body!), pod);
  assertEquals(counter.count({ method: "PUT" }), 1);
});

Deno.test("createEvent() POSTs the event to core/v1 events of the namespace", async () => {
  const { client, t } = setup((req) => ({ status: 201, body: JSON.parse(req.body!) }));
  const event = {
    metadata: { name: "p.1", namespace: "ns" },
    involvedObject: { kind: "Pod", name: "p" },
    reason: "AddedInterface",
    message: "Add eth0",
    type: "Normal" as const,
  };
  assertEquals(await client.createEvent("ns", event), event);
  assertEquals(t.requests()[0]!.url, "https://api:6443/api/v1/namespaces/ns/events");
  assertEquals(t.requests()[0]!.headers["content-type"], "application/json");
});

Deno.test("patchEvent() sends a strategic merge patch of the named core/v1 event", async () => {
  const { client, t } = setup((req) => ({ status: 200, body: JSON.parse(req.body!) }));
  const patch = { count: 2, lastTimestamp: "2026-05-01T10:20:30Z", message: "Add eth0" };
  assertEquals(await client.patchEvent("ns", "p.1", patch), patch);
  const req = t.requests()[0]!;
  assertEquals([req.method, req.url], [
    "PATCH",
    "https://api:6443/api/v1/namespaces/ns/events/p.1",
  ]);
  assertEquals(req.headers["content-type"], "application/strategic-merge-patch+json");
});

Deno.test("listPods() and listNads() pass selectors and paging; all namespaces by default", async () => {
  const { client, t } = setup(() => ({ body: { metadata: { resourceVersion: "5" }, items: [] } }));
  await client.listPods({ fieldSelector: "spec.nodeName=n1", limit: 500 });
  await client.listPods({ namespace: "ns", labelSelector: "a=b", continue: "tok" });
  await client.listNads();
  assertEquals(t.requests().map((r) => r.url), [
    "https://api:6443/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&limit=500",
    "https://api:6443/api/v1/namespaces/ns/pods?labelSelector=a%3Db&continue=tok",
    "https://api:6443/apis/k8s.cni.cncf.io/v1/network-attachment-definitions",
  ]);
});

Deno.test("watchPods() streams newline-delimited events, skipping blank lines", async () => {
  const events = [
    { type: "ADDED", object: POD },
    { type: "BOOKMARK", object: { kind: "Pod", metadata: { resourceVersion: "9" } } },
    { type: "ERROR", object: statusBody(410, "Expired", "too old resource version: 1 (5)") },
  ];
  const { client, t } = setup(() => ({
    lines: [JSON.stringify(events[0]), "", ...events.slice(1).map((e) => JSON.stringify(e))],
  }));
  const ac = new AbortController();
  const seen = [];
  for await (
    const e of client.watchPods({
      resourceVersion: "5",
      fieldSelector: "spec.nodeName=n1",
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
      signal: ac.signal,
    })
  ) seen.push(e);
  assertEquals(seen, events);
  const req = t.requests()[0]!;
  assertEquals(
    req.url,
    "https://api:6443/api/v1/pods?watch=true&resourceVersion=5&fieldSelector=spec.nodeName%3Dn1&allowWatchBookmarks=true&timeoutSeconds=300",
  );
  assertEquals(req.signal, ac.signal);
});

Deno.test("watchPods() calls onOpen once the server accepts the watch, before any event, and not on a refusal", async () => {
  const order: string[] = [];
  const { client } = setup(() => ({ lines: [JSON.stringify({ type: "ADDED", object: POD })] }));
  const opts = {
    resourceVersion: "5",
    signal: new AbortController().signal,
    onOpen: () => void order.push("open"),
  };
  for await (const e of client.watchPods(opts)) order.push(e.type);
  assertEquals(order, ["open", "ADDED"]);
  const refused = setup(() => ({ status: 503, body: statusBody(503, "ServiceUnavailable", "x") }));
  await rejects(async () => {
    for await (const _ of refused.client.watchPods(opts)) { /* nothing */ }
  });
  assertEquals(order, ["open", "ADDED"]);
});

Deno.test("watchPods() ends quietly when the signal aborts before the server answers", async () => {
  const ac = new AbortController();
  ac.abort();
  const { client } = setup(() => new TransportError("aborted", 'Get "x": context canceled'));
  const seen = [];
  for await (const e of client.watchPods({ resourceVersion: "1", signal: ac.signal })) seen.push(e);
  assertEquals(seen, []);
});

Deno.test("watchNads() watches every namespace", async () => {
  const { client, t } = setup(() => ({ lines: [] }));
  for await (
    const _ of client.watchNads({ resourceVersion: "1", signal: new AbortController().signal })
  ) {
    // nothing
  }
  assertEquals(
    t.requests()[0]!.url,
    "https://api:6443/apis/k8s.cni.cncf.io/v1/network-attachment-definitions?watch=true&resourceVersion=1",
  );
});

Deno.test("getPod() throws a KubeApiError with the Status message when the server answers 404", async () => {
  const { client } = setup(() => ({
    status: 404,
    body: statusBody(404, "NotFound", 'pods "p" not found'),
  }));
  await rejects(client.getPod("ns", "p"), (e: unknown) => {
    ok(e instanceof KubeApiError);
    assertEquals([e.code, e.reason, e.message], [404, "NotFound", 'pods "p" not found']);
    assertEquals(e.request, "GET /api/v1/namespaces/ns/pods/p");
    ok(isNotFound(e) && !isConflict(e) && !isRetriable(e));
    return true;
  });
});

Deno.test("getPod() throws client-go's default message when an error answer has no Status", async () => {
  const { client } = setup(() => ({ status: 503, body: "<html>busy</html>" }));
  await rejects(client.getPod("ns", "p"), (e: unknown) => {
    ok(e instanceof KubeApiError);
    assertEquals([e.code, e.reason, e.message], [
      503,
      "ServiceUnavailable",
      "the server is currently unable to handle the request",
    ]);
    ok(isRetriable(e));
    return true;
  });
});

Deno.test("getPod() keeps the message 'Unauthorized' on a 401 and names the credential, not the secret, in hint", async () => {
  const { client, counter } = setup(() => ({
    status: 401,
    body: statusBody(401, "Unauthorized", "Unauthorized"),
  }));
  await rejects(client.getPod("ns", "p"), (e: unknown) => {
    ok(e instanceof KubeApiError);
    assertEquals(e.message, "Unauthorized");
    assertEquals(
      e.hint,
      "GET /api/v1/namespaces/ns/pods/p: the API server rejected the credentials from the bearer token of the kubeconfig /k",
    );
    ok(!JSON.stringify({ m: e.message, h: e.hint, s: e.status, st: e.stack }).includes("s3cr3t"));
    return true;
  });
  assertEquals(counter.total, 1, "a static token is not retried");
});

Deno.test("getPod() re-reads a token file and retries once when the server answers 401", async () => {
  const fs = new MemoryFs().write("/sa/token", "old");
  const { client, t, counter } = setup(
    (req) => {
      if (req.headers["authorization"] === "Bearer new") return { body: POD };
      fs.write("/sa/token", "new");
      return { status: 401, body: statusBody(401, "Unauthorized", "Unauthorized") };
    },
    { auth: { kind: "tokenFile", path: "/sa/token" } },
    fs,
  );
  assertEquals(await client.getPod("ns", "p"), POD);
  assertEquals(t.requests().map((r) => r.headers["authorization"]), ["Bearer old", "Bearer new"]);
  assertEquals(counter.requests.map((r) => r.status), [401, 200]);
});

Deno.test("getPod() passes a transport error through, retriable, counted with status null", async () => {
  const { client, counter } = setup(() =>
    new TransportError("refused", 'Get "x": connect: connection refused')
  );
  await rejects(
    client.getPod("ns", "p"),
    (e: unknown) => e instanceof TransportError && isRetriable(e),
  );
  assertEquals(counter.requests[0]!.status, null);
});

Deno.test("getPod() throws a KubeCredentialError naming the URL and reason when credentials fail", async () => {
  const { client, t } = setup(() => ({ body: POD }), {
    auth: { kind: "tokenFile", path: "/missing" },
  });
  await rejects(client.getPod("ns", "p"), (e: unknown) => {
    ok(e instanceof KubeCredentialError);
    assertEquals(
      e.message,
      'Get "https://api:6443/api/v1/namespaces/ns/pods/p": unable to read the bearer token: open /missing: no such file or directory',
    );
    return true;
  });
  assertEquals(t.requests().length, 0);
});

Deno.test("getPod() uses a new transport when the client certificate rotates and closes the idle old one", async () => {
  const fs = new MemoryFs().write("/c.crt", "CERT1").write("/c.key", "KEY");
  const { client, t } = setup(() => ({ body: POD }), {
    auth: { kind: "none" },
    clientCert: { cert: { file: "/c.crt" }, key: { file: "/c.key" } },
  }, fs);
  await client.getPod("ns", "p");
  await client.getPod("ns", "p");
  assertEquals(t.made.length, 1);
  fs.write("/c.crt", "CERT2");
  await client.getPod("ns", "p");
  assertEquals(t.made.length, 2);
  assertEquals(t.made.map((m) => [m.options.certPem, m.closed]), [["CERT1", true], [
    "CERT2",
    false,
  ]]);
  client.close();
});

Deno.test("watchPods() keeps its transport open across a certificate rotation until the watch ends", async () => {
  const fs = new MemoryFs().write("/c.crt", "CERT1").write("/c.key", "KEY");
  const { client, t } = setup(
    (
      req,
    ) => (req.url.includes("watch=true")
      ? { lines: ['{"type":"ADDED","object":{}}'] }
      : { body: POD }),
    { auth: { kind: "none" }, clientCert: { cert: { file: "/c.crt" }, key: { file: "/c.key" } } },
    fs,
  );
  const it = client.watchPods({ resourceVersion: "1", signal: new AbortController().signal })
    [Symbol.asyncIterator]();
  await it.next();
  fs.write("/c.crt", "CERT2");
  await client.getPod("ns", "p");
  assertEquals(t.made[0]!.closed, false);
  await it.return?.(undefined);
  assertEquals(t.made[0]!.closed, true);
  client.close();
});

Deno.test("RequestCounter.count() filters by method and path prefix; reset() forgets", () => {
  const c = new RequestCounter();
  c.onRequest({ method: "GET", path: "/api/v1/namespaces/a/pods/b", status: 200, durationMs: 1 });
  c.onRequest({
    method: "PATCH",
    path: "/api/v1/namespaces/a/pods/b/status",
    status: 200,
    durationMs: 1,
  });
  assertEquals([
    c.total,
    c.count({ method: "GET" }),
    c.count({ pathPrefix: "/api/v1/namespaces/a" }),
  ], [2, 1, 2]);
  c.reset();
  assertEquals(c.total, 0);
});

Deno.test("isUidMismatch() is true for a UID precondition 409 and a metadata.uid 422 only", () => {
  const err = (code: number, status: object) =>
    new KubeApiError(code, { method: "PATCH", path: "/p", status: status as never });
  const precondition = err(409, {
    kind: "Status",
    reason: "Conflict",
    message:
      'Operation cannot be fulfilled on pods "p": Precondition failed: UID in precondition: a, UID in object meta: b',
  });
  const immutable = err(422, {
    kind: "Status",
    reason: "Invalid",
    message: 'Pod "p" is invalid: metadata.uid: Invalid value: "a": field is immutable',
    details: { causes: [{ field: "metadata.uid", reason: "FieldValueInvalid" }] },
  });
  const stale = err(409, {
    kind: "Status",
    reason: "Conflict",
    message: "the object has been modified",
  });
  assertEquals([precondition, immutable, stale, new Error("x")].map(isUidMismatch), [
    true,
    true,
    false,
    false,
  ]);
  ok(isConflict(precondition) && isConflict(stale));
});
