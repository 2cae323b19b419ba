import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import {
  KubeApiError,
  type KubeClient,
  type KubeList,
  type NetworkAttachmentDefinition,
  type Pod,
  type PodStatusPatch,
  type PollClock,
  type WatchEvent,
  type WatchOptions,
} from "../kube/mod.ts";
import type { EventSink } from "../multus/deps.ts";
import { silentLogger } from "../platform/log.ts";
import type { Informer } from "./informer.ts";
import { cachedKubeAccess, createNadInformer, createPodInformer } from "./kube_cache.ts";

const notFound = (what: string, name: string) =>
  new KubeApiError(404, {
    method: "GET",
    path: "/x",
    status: {
      kind: "Status",
      code: 404,
      reason: "NotFound",
      message: `${what} "${name}" not found`,
    },
  });

/** A KubeClient over in-memory objects; its watches stay open until aborted. */
class FakeClient implements KubeClient {
  readonly description = "fake";
  readonly calls: string[] = [];
  /** What the API holds (`ns/name`). */
  readonly pods = new Map<string, Pod>();
  readonly nads = new Map<string, NetworkAttachmentDefinition>();
  /** What LIST returns (the informer's initial view). */
  listedPods: Pod[] = [];
  listedNads: NetworkAttachmentDefinition[] = [];
  patchError: Error | undefined;

  getPod(namespace: string, name: string): Promise<Pod> {
    this.calls.push(`GET pod ${namespace}/${name}`);
    const p = this.pods.get(`${namespace}/${name}`);
    return p ? Promise.resolve(structuredClone(p)) : Promise.reject(notFound("pods", name));
  }
  getNad(namespace: string, name: string): Promise<NetworkAttachmentDefinition> {
    this.calls.push(`GET nad ${namespace}/${name}`);
    const n = this.nads.get(`${namespace}/${name}`);
    return n ? Promise.resolve(n) : Promise.reject(
      notFound("network-attachment-definitions.k8s.cni.cncf.io", name),
    );
  }
  patchPodStatus(namespace: string, name: string, patch: PodStatusPatch): Promise<Pod> {
    this.calls.push(`PATCH ${namespace}/${name} ${JSON.stringify(patch)}`);
    if (this.patchError) return Promise.reject(this.patchError);
    return Promise.resolve({ metadata: { name, namespace } });
  }
  updatePodStatus(namespace: string, name: string, pod: Pod): Promise<Pod> {
    this.calls.push(`PUT ${namespace}/${name} ${JSON.stringify(pod)}`);
    return Promise.resolve(pod);
  }
  createEvent(): Promise<never> {
    throw new Error("events go through the sink");
  }
  patchEvent(): Promise<never> {
    throw new Error("events go through the sink");
  }
  listPods(opts?: { fieldSelector?: string }): Promise<KubeList<Pod>> {
    this.calls.push(`LIST pods ${opts?.fieldSelector ?? ""}`);
    return Promise.resolve({ metadata: { resourceVersion: "10" }, items: this.listedPods });
  }
  listNads(): Promise<KubeList<NetworkAttachmentDefinition>> {
    this.calls.push("LIST nads");
    return Promise.resolve({ metadata: { resourceVersion: "10" }, items: this.listedNads });
  }
  watchPods(opts: WatchOptions): AsyncIterable<WatchEvent<Pod>> {
    return idle(opts.signal);
  }
  watchNads(opts: WatchOptions): AsyncIterable<WatchEvent<NetworkAttachmentDefinition>> {
    return idle(opts.signal);
  }
  close(): void {}
}

/** A watch stream without events that ends when `signal` aborts. */
function idle<T>(signal: AbortSignal): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        new Promise<IteratorResult<T>>((resolve) => {
          const end = () => resolve({ done: true, value: undefined });
          if (signal.aborted) end();
          else signal.addEventListener("abort", end, { once: true });
        }),
    }),
  };
}

class FakeClock implements PollClock {
  t = 0;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

const noEvents: EventSink = { record: () => {}, flush: () => Promise.resolve() };

const POD: Pod = {
  metadata: {
    name: "web-0",
    namespace: "ns",
    uid: "uid-1",
    resourceVersion: "5",
    annotations: { "k8s.v1.cni.cncf.io/networks": "macvlan", "x/other": "dropped" },
  },
  spec: { nodeName: "n1", containers: [] },
};
const NAD: NetworkAttachmentDefinition = {
  metadata: { name: "macvlan", namespace: "ns", resourceVersion: "6" },
  spec: { config: '{"type":"macvlan"}' },
};

async function withCache(
  setup: (c: FakeClient) => void,
  fn: (ctx: {
    client: FakeClient;
    clock: FakeClock;
    pods: Informer<Pod>;
    nads: Informer<NetworkAttachmentDefinition>;
    kube: ReturnType<typeof cachedKubeAccess>;
  }) => Promise<void>,
  opts: { start?: boolean } = {},
): Promise<void> {
  const client = new FakeClient();
  setup(client);
  const clock = new FakeClock();
  const pods = createPodInformer(client, { nodeName: "n1", logger: silentLogger, resyncMs: 0 });
  const nads = createNadInformer(client, { logger: silentLogger, resyncMs: 0 });
  if (opts.start !== false) {
    pods.start();
    nads.start();
    ok(await pods.waitForSync(1_000));
    ok(await nads.waitForSync(1_000));
  }
  client.calls.length = 0;
  const kube = cachedKubeAccess({
    client,
    pods,
    nads,
    events: noEvents,
    logger: silentLogger,
    clock,
  });
  try {
    await fn({ client, clock, pods, nads, kube });
  } finally {
    await pods.stop();
    await nads.stop();
  }
}

Deno.test("createPodInformer() lists this node's pods only and stores them trimmed", async () => {
  await withCache((c) => c.listedPods = [POD], ({ pods }) => {
    assertEquals(pods.get("ns", "web-0"), {
      metadata: {
        name: "web-0",
        namespace: "ns",
        uid: "uid-1",
        resourceVersion: "5",
        annotations: { "k8s.v1.cni.cncf.io/networks": "macvlan" },
      },
      spec: { nodeName: "n1" },
    });
    return Promise.resolve();
  });
  const client = new FakeClient();
  const inf = createPodInformer(client, { nodeName: "n1", logger: silentLogger, resyncMs: 0 });
  inf.start();
  await inf.waitForSync(1_000);
  await inf.stop();
  assertEquals(client.calls, ["LIST pods spec.nodeName=n1"]);
  ok(
    (() => {
      try {
        createPodInformer(client, { nodeName: "", logger: silentLogger });
        return false;
      } catch (err) {
        return (err as Error).message.includes("MULTUS_NODE_NAME");
      }
    })(),
  );
});

Deno.test("cachedKubeAccess() answers getPod and getNad from the caches without API calls", async () => {
  await withCache((c) => {
    c.listedPods = [POD];
    c.listedNads = [NAD];
  }, async ({ client, kube }) => {
    const pod = await kube.pods.getPod("ns", "web-0", { uid: "uid-1", isDel: false });
    assertEquals(pod?.metadata.uid, "uid-1");
    const nad = await kube.nads.getNad("ns", "macvlan");
    assertEquals(nad.spec, { config: '{"type":"macvlan"}' });
    assertEquals(client.calls, []);
  });
});

Deno.test("cachedKubeAccess() hands out copies, so callers cannot corrupt the cache", async () => {
  await withCache((c) => c.listedPods = [POD], async ({ kube, pods }) => {
    const pod = await kube.pods.getPod("ns", "web-0", { uid: "", isDel: false });
    pod!.metadata.annotations!["k8s.v1.cni.cncf.io/networks"] = "changed";
    assertEquals(pods.get("ns", "web-0")?.metadata.annotations, {
      "k8s.v1.cni.cncf.io/networks": "macvlan",
    });
  });
});

Deno.test("cachedKubeAccess() on ADD polls the cache every 50 ms for 1 s, then reads the pod live", async () => {
  await withCache((c) => c.pods.set("ns/web-0", POD), async ({ client, clock, kube }) => {
    const pod = await kube.pods.getPod("ns", "web-0", { uid: "uid-1", isDel: false });
    assertEquals(pod?.metadata.name, "web-0");
    assertEquals(client.calls, ["GET pod ns/web-0"]);
    assertEquals(clock.sleeps.length, 20);
    ok(clock.sleeps.every((ms) => ms === 50));
  });
});

Deno.test("cachedKubeAccess() on ADD returns null when the pod is in neither the cache nor the API", async () => {
  await withCache(() => {}, async ({ client, kube }) => {
    assertEquals(await kube.pods.getPod("ns", "gone", { uid: "u", isDel: false }), null);
    assertEquals(client.calls, ["GET pod ns/gone"]);
  });
});

Deno.test("cachedKubeAccess() treats a cached pod of another UID as stale and asks the API", async () => {
  const recreated = { ...POD, metadata: { ...POD.metadata, uid: "uid-2" } };
  await withCache((c) => {
    c.listedPods = [POD];
    c.pods.set("ns/web-0", recreated);
  }, async ({ client, kube }) => {
    const pod = await kube.pods.getPod("ns", "web-0", { uid: "uid-2", isDel: false });
    assertEquals(pod?.metadata.uid, "uid-2");
    assertEquals(client.calls, ["GET pod ns/web-0"]);
  });
});

Deno.test("cachedKubeAccess() fails an ADD whose UID matches neither cache nor API", async () => {
  await withCache((c) => {
    c.listedPods = [POD];
    c.pods.set("ns/web-0", POD);
  }, async ({ kube }) => {
    await rejects(
      kube.pods.getPod("ns", "web-0", { uid: "uid-9", isDel: false }),
      (err: unknown) =>
        err instanceof CniError &&
        err.message === 'expected pod UID "uid-9" but got "uid-1" from Kube API',
    );
  });
});

Deno.test("cachedKubeAccess() on DEL takes a cache miss or a UID mismatch as the pod being gone", async () => {
  await withCache((c) => {
    c.listedPods = [POD];
    c.pods.set("ns/other", POD);
  }, async ({ client, clock, kube }) => {
    assertEquals(await kube.pods.getPod("ns", "other", { uid: "u", isDel: true }), null);
    assertEquals(await kube.pods.getPod("ns", "web-0", { uid: "uid-9", isDel: true }), null);
    assertEquals([client.calls, clock.sleeps], [[], []]);
  });
});

Deno.test("cachedKubeAccess() reads live before the informers have synced", async () => {
  await withCache((c) => {
    c.pods.set("ns/web-0", POD);
    c.nads.set("ns/macvlan", NAD);
  }, async ({ client, kube }) => {
    assertEquals(
      (await kube.pods.getPod("ns", "web-0", { uid: "uid-1", isDel: false }))?.metadata.uid,
      "uid-1",
    );
    assertEquals((await kube.nads.getNad("ns", "macvlan")).metadata.name, "macvlan");
    assertEquals(client.calls, ["GET pod ns/web-0", "GET nad ns/macvlan"]);
  }, { start: false });
});

Deno.test("cachedKubeAccess() reads a NAD missing from the cache live, and passes on NotFound", async () => {
  await withCache(
    (c) => c.nads.set("ns/new", { ...NAD, metadata: { name: "new", namespace: "ns" } }),
    async ({ client, kube }) => {
      assertEquals((await kube.nads.getNad("ns", "new")).metadata.name, "new");
      await rejects(
        kube.nads.getNad("ns", "missing"),
        (err: unknown) =>
          err instanceof KubeApiError && err.code === 404 &&
          err.message === 'network-attachment-definitions.k8s.cni.cncf.io "missing" not found',
      );
      assertEquals(client.calls, ["GET nad ns/new", "GET nad ns/missing"]);
    },
  );
});

Deno.test("cachedKubeAccess() writes network-status with one UID-checked merge patch", async () => {
  await withCache(() => {}, async ({ client, kube }) => {
    const pod = { metadata: { name: "web-0", namespace: "ns", uid: "uid-1" } };
    assertEquals(await kube.status.writeNetworkStatus(pod, "[]"), true);
    assertEquals(client.calls, [
      'PATCH ns/web-0 {"uid":"uid-1","annotations":{"k8s.v1.cni.cncf.io/network-status":"[]"}}',
    ]);
    client.patchError = notFound("pods", "web-0");
    assertEquals(await kube.status.writeNetworkStatus(pod, "[]"), false);
    client.patchError = new KubeApiError(422, {
      method: "PATCH",
      path: "/x",
      status: {
        code: 422,
        reason: "Invalid",
        message: "uid: field is immutable",
        details: { causes: [{ field: "metadata.uid" }] },
      },
    });
    await rejects(
      kube.status.writeNetworkStatus(pod, "[]"),
      (err: unknown) =>
        err instanceof CniError && err.message.includes('is no longer the pod with UID "uid-1"'),
    );
  });
});

Deno.test("cachedKubeAccess() under a role without pods/status patch reads the pod whole and PUTs it, never the trimmed cached copy, and stops trying the patch", async () => {
  const forbidden = new KubeApiError(403, {
    method: "PATCH",
    path: "/api/v1/namespaces/ns/pods/web-0/status",
    status: {
      kind: "Status",
      code: 403,
      reason: "Forbidden",
      message: 'pods "web-0" is forbidden: User "u" cannot patch resource "pods/status"',
    },
  });
  await withCache((c) => {
    c.listedPods = [POD];
    c.pods.set("ns/web-0", POD);
    c.patchError = forbidden;
  }, async ({ client, kube }) => {
    const pod = await kube.pods.getPod("ns", "web-0", { uid: "uid-1", isDel: false });
    ok(pod);
    assertEquals(pod.metadata.annotations, { "k8s.v1.cni.cncf.io/networks": "macvlan" });
    client.calls.length = 0;
    assertEquals(await kube.status.writeNetworkStatus(pod, "[1]"), true);
    const whole = structuredClone(POD);
    whole.metadata.annotations = {
      ...whole.metadata.annotations,
      "k8s.v1.cni.cncf.io/network-status": "[1]",
    };
    assertEquals(client.calls, [
      'PATCH ns/web-0 {"uid":"uid-1","annotations":{"k8s.v1.cni.cncf.io/network-status":"[1]"}}',
      "GET pod ns/web-0",
      `PUT ns/web-0 ${JSON.stringify(whole)}`,
    ]);
    client.calls.length = 0;
    assertEquals(await kube.status.writeNetworkStatus(pod, "[2]"), true);
    assertEquals(client.calls.map((c) => c.slice(0, 14)), ["GET pod ns/web", "PUT ns/web-0 {"]);
  });
});
