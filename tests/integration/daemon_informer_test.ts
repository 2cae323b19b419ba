/**
 * The thick daemon's informers and cached Kubernetes access against the Kubernetes API
 * test double over HTTPS with a bearer-token kubeconfig: node-scoped pod cache, NADs of
 * every namespace, bookmarks, 410 Expired and relist, API outages (refused connections,
 * 503) and recovery, the one-request ADD path counted from the double's request log,
 * events delivered off the critical path, and the memory of caches over 500 pods.
 */
// node:assert directly: tests/support/assert.ts does not type-check next to the @types/node
// that @kubernetes/client-node brings into the graph (via src/kube/exotic.ts).
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type KubeApiDouble, startKubeApiDouble } from "../support/kube_api/mod.ts";
import { writeKubeconfig } from "../support/kubeconfig.ts";
import {
  type CoreEvent,
  type KubeClient,
  type KubeObject,
  loadKubeClient,
  type NetworkAttachmentDefinition,
  type Pod,
} from "../../src/kube/mod.ts";
import { EventQueue } from "../../src/daemon/event_queue.ts";
import type { Informer } from "../../src/daemon/informer.ts";
import {
  cachedKubeAccess,
  createNadInformer,
  createPodInformer,
  type InformerTuning,
} from "../../src/daemon/kube_cache.ts";
import { denoExec } from "../../src/platform/exec.ts";
import { denoFs } from "../../src/platform/fs.ts";
import { silentLogger } from "../../src/platform/log.ts";
import { envFromObject } from "../../src/platform/process.ts";
import { waiter } from "../support/eventually.ts";

const TOKEN = "daemon-informer-token";
const NODE = "n1";
const NETWORKS = "k8s.v1.cni.cncf.io/networks";

interface Ctx {
  api: KubeApiDouble;
  client: KubeClient;
  /** A started pod informer for node n1 (stopped at the end of the test). */
  pods(tuning?: InformerTuning): Promise<Informer<Pod>>;
  /** A started NAD informer (stopped at the end of the test). */
  nads(tuning?: InformerTuning): Promise<Informer<NetworkAttachmentDefinition>>;
}

const FAST: InformerTuning = { resyncMs: 0, backoff: { initialMs: 20, maxMs: 200 } };

async function withDouble(
  options: { bookmarkIntervalMs?: number },
  fn: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const api = await startKubeApiDouble({
    tokens: [{ token: TOKEN, user: "multus" }],
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
  });
  const dir = await Deno.makeTempDir({ prefix: "daemon-informer-test-" });
  const informers: { stop(): Promise<void> }[] = [];
  let client: KubeClient | null = null;
  try {
    const path = await writeKubeconfig(`${dir}/kubeconfig`, {
      server: api.url,
      caData: api.caPem!,
      token: TOKEN,
    });
    client = await loadKubeClient({
      kubeconfig: path,
      env: envFromObject({}),
      fs: denoFs,
      exec: denoExec,
    });
    assert(client);
    const c = client;
    const started = async <T extends Pod | NetworkAttachmentDefinition>(inf: Informer<T>) => {
      informers.push(inf);
      inf.start();
      assert(await inf.waitForSync(5_000), `${inf.name} informer synced`);
      return inf;
    };
    await fn({
      api,
      client: c,
      pods: (tuning = {}) =>
        started(createPodInformer(c, { nodeName: NODE, logger: silentLogger, ...FAST, ...tuning })),
      nads: (tuning = {}) =>
        started(createNadInformer(c, { logger: silentLogger, ...FAST, ...tuning })),
    });
  } finally {
    for (const inf of informers) await inf.stop();
    client?.close();
    await api.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const eventually = waiter({ ms: 5_000, pollMs: 10 });

function podOn(node: string, name: string, annotations: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}`, annotations },
    spec: { nodeName: node, containers: [{ name: "c", image: "i", env: [{ name: "A" }] }] },
  };
}

function names(inf: { list(): KubeObject[] }): string[] {
  return inf.list().map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
}

/** Records handler calls as `add ns/name`, `update ns/name`, `delete ns/name`. */
function recordHandlers(inf: Informer<Pod>): string[] {
  const log: string[] = [];
  const key = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;
  inf.onAdd((p) => log.push(`add ${key(p)}`));
  inf.onUpdate((_, p) => log.push(`update ${key(p)}`));
  inf.onDelete((p) => log.push(`delete ${key(p)}`));
  return log;
}

Deno.test("pod informer caches this node's pods only, trimmed, and follows create, update, delete and a move away", async () => {
  await withDouble({}, async ({ api, pods: start }) => {
    api.createPod(podOn(NODE, "a", { [NETWORKS]: "macvlan", "other/annotation": "x" }));
    api.createPod(podOn("n2", "elsewhere"));
    const pods = await start();
    assertEquals(names(pods), ["ns/a"]);
    assertEquals(pods.get("ns", "a"), {
      metadata: {
        name: "a",
        namespace: "ns",
        uid: "uid-a",
        resourceVersion: api.getPod("ns", "a")!.metadata.resourceVersion,
        annotations: { [NETWORKS]: "macvlan" },
      },
      spec: { nodeName: NODE },
      status: { phase: "Pending" },
    });
    const log = recordHandlers(pods);
    log.length = 0; // onAdd() replayed the cache
    api.createPod(podOn(NODE, "b"));
    api.createPod(podOn("n2", "other-node"));
    api.updatePod("ns", "a", (p) => {
      p.metadata.annotations = { [NETWORKS]: "macvlan,bridge" };
    });
    api.deletePod("ns", "b");
    api.updatePod("ns", "a", (p) => {
      p.spec = { ...p.spec, nodeName: "n2" };
    });
    await eventually("the move", () => log.length === 4);
    assertEquals(log, ["add ns/b", "update ns/a", "delete ns/b", "delete ns/a"]);
    assertEquals(names(pods), []);
    assertEquals(
      api.requests({ resource: "pods" }).map((r) => [r.verb, r.query["fieldSelector"]]),
      [["list", "spec.nodeName=n1"], ["watch", "spec.nodeName=n1"]],
    );
  });
});

Deno.test("NAD informer caches NADs of every namespace and follows create and delete", async () => {
  await withDouble({}, async ({ api, nads: start }) => {
    api.createNad("ns", "macvlan", {
      config: { cniVersion: "1.0.0", type: "macvlan" },
      annotations: { "k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov", other: "x" },
      labels: { a: "b" },
    });
    api.createNad("other", "bridge", { config: "{}" });
    const nads = await start();
    assertEquals(names(nads), ["ns/macvlan", "other/bridge"]);
    const nad = nads.get("ns", "macvlan")!;
    assertEquals([nad.metadata.annotations, nad.metadata["labels"], nad.spec], [
      { "k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov" },
      undefined,
      { config: '{"cniVersion":"1.0.0","type":"macvlan"}' },
    ]);
    api.createNad("third", "ipvlan", { config: "{}" });
    api.deleteNad("other", "bridge");
    await eventually(
      "the create and delete",
      () => names(nads).join() === "ns/macvlan,third/ipvlan",
    );
  });
});

Deno.test("bookmarks advance the pod informer's resourceVersion while no pod changes", async () => {
  await withDouble({ bookmarkIntervalMs: 50 }, async ({ api, pods: start }) => {
    const pods = await start();
    const listed = Number(pods.resourceVersion);
    for (let i = 0; i < 3; i++) api.createNad("ns", `nad-${i}`, { config: "{}" });
    await eventually("a bookmark", () => Number(pods.resourceVersion) >= listed + 3);
    assertEquals(pods.resourceVersion, api.resourceVersion);
    const [watch] = api.requests({ resource: "pods", verb: "watch" });
    assertEquals(watch!.query["allowWatchBookmarks"], "true");
    const timeout = Number(watch!.query["timeoutSeconds"]);
    assert(timeout >= 300 && timeout <= 600, `timeoutSeconds=${timeout}`);
    assertEquals(pods.health().relists, 0);
  });
});

Deno.test("a watch restarted after compactHistory() gets 410 Expired, and the informer relists and diffs", async () => {
  await withDouble({}, async ({ api, pods: start }) => {
    api.createPod(podOn(NODE, "stays"));
    api.createPod(podOn(NODE, "changes"));
    api.createPod(podOn(NODE, "goes"));
    const pods = await start();
    const listedAt = pods.resourceVersion;
    const log = recordHandlers(pods);
    log.length = 0; // onAdd() replayed the cache
    await eventually("the watch", () => api.openWatches === 1);
    await pods.stop();
    api.createPod(podOn(NODE, "new"));
    api.updatePod("ns", "changes", (p) => {
      p.metadata.annotations = { [NETWORKS]: "bridge" };
    });
    api.deletePod("ns", "goes");
    api.compactHistory();
    pods.start();
    await eventually("the relist", () => pods.health().relists === 1);
    assertEquals(log.sort(), ["add ns/new", "delete ns/goes", "update ns/changes"]);
    assertEquals(names(pods), ["ns/changes", "ns/new", "ns/stays"]);
    assertEquals(pods.get("ns", "changes")!.metadata.annotations, { [NETWORKS]: "bridge" });
    await eventually(
      "the watch after the relist",
      () => api.count({ resource: "pods", verb: "watch" }) === 3,
    );
    const watches = api.requests({ resource: "pods", verb: "watch" });
    assertEquals(
      watches.map((w) => w.query["resourceVersion"]),
      [listedAt, listedAt, api.resourceVersion],
      "watch, watch answered 410, watch after the relist",
    );
    assertEquals(api.count({ resource: "pods", verb: "list" }), 2);
  });
});

for (const mode of ["refuse", "503"] as const) {
  Deno.test(`informers reconnect after a "${mode}" outage and catch up with the changes made during it`, async () => {
    await withDouble(
      { bookmarkIntervalMs: 100 },
      async ({ api, pods: startPods, nads: startNads }) => {
        api.createPod(podOn(NODE, "before"));
        const pods = await startPods();
        const nads = await startNads();
        await api.setOutage(mode);
        await eventually(
          "the informers to notice",
          () => !pods.health().connected && !nads.health().connected,
        );
        api.createPod(podOn(NODE, "during"));
        api.deletePod("ns", "before");
        api.createNad("ns", "during", { config: "{}" });
        await new Promise((r) => setTimeout(r, 300));
        assertEquals(names(pods), ["ns/before"], "nothing arrives while the API is down");
        await api.setOutage(null);
        await eventually("the pod changes", () => names(pods).join() === "ns/during");
        await eventually("the NAD", () => names(nads).join() === "ns/during");
        await eventually(
          "connected again",
          () => pods.health().connected && nads.health().connected,
        );
        for (const inf of [pods, nads]) {
          const h = inf.health();
          assert(h.reconnects >= 1, `${inf.name}: reconnects ${h.reconnects}`);
          assert(h.errors >= 1, `${inf.name}: errors ${h.errors}`);
          assertEquals(h.relists, 0, `${inf.name}: resumed from watch history, no relist`);
        }
        if (mode === "503") {
          assert(api.count({ status: 503 }) >= 2);
        }
      },
    );
  });
}

/** The client, with event POSTs slowed down by `delayMs`. */
function slowEvents(client: KubeClient, delayMs: number): KubeClient {
  return {
    ...client,
    createEvent: async (namespace: string, event: CoreEvent) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return await client.createEvent(namespace, event);
    },
  };
}

Deno.test("cachedKubeAccess(): a steady-state ADD makes exactly one API request, the status PATCH; events follow off the critical path", async () => {
  await withDouble({}, async ({ api, client, pods: startPods, nads: startNads }) => {
    const pod = api.createPod(podOn(NODE, "web-0", { [NETWORKS]: "a,b,c" }));
    for (const n of ["a", "b", "c"]) api.createNad("ns", n, { config: `{"name":"${n}"}` });
    const pods = await startPods();
    const nads = await startNads();
    const events = new EventQueue({ client: slowEvents(client, 3_000), logger: silentLogger });
    const kube = cachedKubeAccess({ client, pods, nads, events, logger: silentLogger });
    await eventually("both watches open", () => api.openWatches === 2);
    api.clearLog();
    const got = await kube.pods.getPod("ns", "web-0", { uid: pod.metadata.uid!, isDel: false });
    assert(got);
    for (const n of ["a", "b", "c"]) await kube.nads.getNad("ns", n);
    for (const n of [1, 2, 3]) {
      events.record(got, { type: "Normal", reason: "AddedInterface", message: `Add net${n}` });
    }
    assertEquals(await kube.status.writeNetworkStatus(got, '[{"name":"cbr0"}]'), true);
    await events.flush();
    assertEquals(
      api.requests().map((r) => `${r.method} ${r.path} ${r.contentType}`),
      ["PATCH /api/v1/namespaces/ns/pods/web-0/status application/merge-patch+json"],
    );
    assertEquals(
      api.getPod("ns", "web-0")!.metadata.annotations!["k8s.v1.cni.cncf.io/network-status"],
      '[{"name":"cbr0"}]',
    );
    // Each event takes 3 s to send: none has been sent, so the ADD path did not wait.
    assertEquals(events.stats(), { sent: 0, failed: 0, dropped: 0, filtered: 0, pending: 3 });
    assert(await events.drain(15_000));
    assertEquals(
      api.events({ reason: "AddedInterface", objectName: "web-0" }).map((e) => e["message"]).sort(),
      ["Add net1", "Add net2", "Add net3"],
    );
    assertEquals(events.stats(), { sent: 3, failed: 0, dropped: 0, filtered: 0, pending: 0 });
    events.close();
  });
});

Deno.test("cachedKubeAccess(): a pod not yet in the cache is looked for briefly, then read live", async () => {
  await withDouble({}, async ({ api, client, pods: startPods, nads: startNads }) => {
    const pods = await startPods();
    const nads = await startNads();
    await eventually("the watches", () => api.openWatches === 2);
    await pods.stop(); // the cache stays synced but no longer follows the API
    const created = api.createPod(podOn(NODE, "fresh"));
    const kube = cachedKubeAccess({
      client,
      pods,
      nads,
      events: new EventQueue({ client, logger: silentLogger }),
      logger: silentLogger,
      podWaitMs: 200,
    });
    api.clearLog();
    const t0 = performance.now();
    const got = await kube.pods.getPod("ns", "fresh", { uid: created.metadata.uid!, isDel: false });
    assertEquals(got?.metadata.uid, created.metadata.uid);
    const waited = performance.now() - t0;
    assert(waited >= 140, `looked for the pod in the cache first (${waited} ms)`);
    assertEquals(api.requests().map((r) => `${r.method} ${r.path}`), [
      "GET /api/v1/namespaces/ns/pods/fresh",
    ]);
    assertEquals(await kube.pods.getPod("ns", "fresh", { uid: "", isDel: true }), null);
    assertEquals(api.requests().length, 1, "DEL believes the cache");
    api.createNad("ns", "late", { config: "{}" });
    api.clearLog();
    const nad = await kube.nads.getNad("ns", "late").catch(() => null);
    assert(nad, "a NAD created a moment ago is found");
    assert(api.count({ resource: "network-attachment-definitions", verb: "get" }) <= 1);
  });
});

Deno.test("cachedKubeAccess(): before the informers have synced, reads go to the API", async () => {
  await withDouble({}, async ({ api, client }) => {
    const created = api.createPod(podOn(NODE, "web-0"));
    api.createNad("ns", "macvlan", { config: "{}" });
    const pods = createPodInformer(client, { nodeName: NODE, logger: silentLogger });
    const nads = createNadInformer(client, { logger: silentLogger });
    const kube = cachedKubeAccess({
      client,
      pods,
      nads,
      events: new EventQueue({ client, logger: silentLogger }),
      logger: silentLogger,
    });
    const got = await kube.pods.getPod("ns", "web-0", { uid: created.metadata.uid!, isDel: false });
    assertEquals(got?.metadata.name, "web-0");
    assertEquals((await kube.nads.getNad("ns", "macvlan")).metadata.name, "macvlan");
    assertEquals(api.requests().map((r) => `${r.method} ${r.path}`), [
      "GET /api/v1/namespaces/ns/pods/web-0",
      "GET /apis/k8s.cni.cncf.io/v1/namespaces/ns/network-attachment-definitions/macvlan",
    ]);
  });
});
