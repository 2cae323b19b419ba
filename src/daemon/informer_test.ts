import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  KubeApiError,
  type KubeList,
  type ListOptions,
  type Pod,
  TransportError,
  type WatchEvent,
  type WatchOptions,
} from "../kube/mod.ts";
import { silentLogger } from "../platform/log.ts";
import { Informer, type InformerOptions, type ListerWatcher, objectKey } from "./informer.ts";

function pod(name: string, rv: string, extra: Record<string, unknown> = {}): Pod {
  return { metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: rv }, ...extra };
}

/** A watch stream the test feeds by hand; it ends when told or when its signal aborts. */
class Stream implements AsyncIterable<WatchEvent<Pod>> {
  /** Whether the server's answer is held back: no onOpen() call, no event. */
  held = false;
  readonly #events: Array<WatchEvent<Pod> | "end" | Error> = [];
  #wake: (() => void) | undefined;

  constructor(readonly opts: WatchOptions) {
    opts.signal.addEventListener("abort", () => this.end());
  }

  push(event: WatchEvent<Pod> | "end" | Error): void {
    this.#events.push(event);
    this.#wake?.();
  }

  end(): void {
    this.push("end");
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<Pod>> {
    // The request goes out on the first next(), and the server answers it (as the client does).
    if (!this.held) this.opts.onOpen?.();
    for (;;) {
      const next = this.#events.shift();
      if (next === undefined) {
        await new Promise<void>((r) => this.#wake = r);
        this.#wake = undefined;
        continue;
      }
      if (next === "end") return;
      if (next instanceof Error) throw next;
      yield next;
    }
  }
}

/** Scripted LISTs and WATCHes; records every call. */
class FakeApi implements ListerWatcher<Pod> {
  readonly lists: ListOptions[] = [];
  readonly watches: Stream[] = [];
  /** Answers of the next LISTs (the last one repeats). */
  listAnswers: Array<KubeList<Pod> | Error> = [];
  /** Errors for the next watch requests, before a stream is handed out. */
  watchFailures: Error[] = [];

  list(opts: ListOptions): Promise<KubeList<Pod>> {
    this.lists.push(opts);
    const a = this.listAnswers.length > 1 ? this.listAnswers.shift()! : this.listAnswers[0]!;
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(structuredClone(a));
  }

  watch(opts: WatchOptions): AsyncIterable<WatchEvent<Pod>> {
    const failure = this.watchFailures.shift();
    if (failure) {
      return {
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(failure) }),
      };
    }
    const s = new Stream(opts);
    this.watches.push(s);
    return s;
  }

  get current(): Stream {
    return this.watches[this.watches.length - 1]!;
  }
}

function podList(rv: string, ...items: Pod[]): KubeList<Pod> {
  return { metadata: { resourceVersion: rv }, items };
}

async function eventually(what: string, cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Recorded {
  log: string[];
}

async function withInformer(
  api: FakeApi,
  opts: Partial<InformerOptions<Pod>>,
  fn: (inf: Informer<Pod>, rec: Recorded) => Promise<void>,
): Promise<void> {
  const inf = new Informer<Pod>({
    name: "pods",
    listWatch: api,
    logger: silentLogger,
    backoff: { initialMs: 1, maxMs: 4 },
    resyncMs: 0,
    random: () => 0.5,
    ...opts,
  });
  const rec: Recorded = { log: [] };
  inf.onAdd((p) => rec.log.push(`add ${p.metadata.name}@${p.metadata.resourceVersion}`));
  inf.onUpdate((o, p) =>
    rec.log.push(
      `update ${p.metadata.name}@${o.metadata.resourceVersion}->${p.metadata.resourceVersion}`,
    )
  );
  inf.onDelete((p) => rec.log.push(`delete ${p.metadata.name}@${p.metadata.resourceVersion}`));
  inf.start();
  try {
    await fn(inf, rec);
  } finally {
    await inf.stop();
  }
}

const names = (inf: Informer<Pod>) => inf.list().map(objectKey).sort();

Deno.test("Informer lists, then watches from the list's resourceVersion with bookmarks and a 5-10 min timeout", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"), pod("b", "7"))];
  await withInformer(
    api,
    { fieldSelector: "spec.nodeName=n1", random: () => 0.999 },
    async (inf, rec) => {
      assertEquals(await inf.waitForSync(1_000), true);
      await eventually("a watch", () => api.watches.length === 1);
      assertEquals(names(inf), ["ns/a", "ns/b"]);
      assertEquals(rec.log, ["add a@5", "add b@7"]);
      const { resourceVersion, fieldSelector, allowWatchBookmarks, timeoutSeconds } =
        api.current.opts;
      assertEquals({ resourceVersion, fieldSelector, allowWatchBookmarks, timeoutSeconds }, {
        resourceVersion: "10",
        fieldSelector: "spec.nodeName=n1",
        allowWatchBookmarks: true,
        timeoutSeconds: 600,
      });
      assertEquals(api.lists.map((l) => [l.resourceVersion, l.limit, l.fieldSelector]), [
        ["0", 50, "spec.nodeName=n1"],
      ]);
      assertEquals(inf.health().synced, true);
      assertEquals(inf.health().connected, true);
    },
  );
});

Deno.test("Informer applies ADDED, MODIFIED and DELETED events and notifies handlers", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"))];
  await withInformer(api, {}, async (inf, rec) => {
    await inf.waitForSync(1_000);
    await eventually("a watch", () => api.watches.length === 1);
    api.current.push({ type: "ADDED", object: pod("b", "11") });
    api.current.push({ type: "MODIFIED", object: pod("a", "12") });
    api.current.push({ type: "DELETED", object: pod("b", "13") });
    await eventually("the delete", () => rec.log.length === 4);
    assertEquals(rec.log, ["add a@5", "add b@11", "update a@5->12", "delete b@11"]);
    assertEquals(names(inf), ["ns/a"]);
    assertEquals(inf.get("ns", "a")?.metadata.resourceVersion, "12");
    assertEquals(inf.resourceVersion, "13");
    assertEquals(inf.health().objects, 1);
  });
});

Deno.test("Informer re-watches from the last bookmark when the server ends the watch", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10")];
  await withInformer(api, {}, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    api.current.push({ type: "BOOKMARK", object: pod("", "42") });
    await eventually("the bookmark", () => inf.resourceVersion === "42");
    api.current.end();
    await eventually("a second watch", () => api.watches.length === 2);
    assertEquals(api.current.opts.resourceVersion, "42");
    assertEquals(api.lists.length, 1, "no relist");
    assertEquals(inf.health().relists, 0);
  });
});

Deno.test("Informer relists on a 410 ERROR event and emits the implied add, update and delete", async () => {
  const api = new FakeApi();
  api.listAnswers = [
    podList("10", pod("a", "5"), pod("b", "7"), pod("c", "8")),
    podList("20", pod("a", "5"), pod("b", "15"), pod("d", "16")),
  ];
  await withInformer(api, {}, async (inf, rec) => {
    await eventually("a watch", () => api.watches.length === 1);
    rec.log.length = 0;
    api.current.push({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
    });
    await eventually("a second watch", () => api.watches.length === 2);
    assertEquals(rec.log.sort(), ["add d@16", "delete c@8", "update b@7->15"]);
    assertEquals(names(inf), ["ns/a", "ns/b", "ns/d"]);
    assertEquals(api.current.opts.resourceVersion, "20");
    assertEquals(api.lists[1]!.resourceVersion, undefined, "the relist reads the latest state");
    assertEquals(inf.health().relists, 1);
  });
});

Deno.test("Informer relists when the watch request itself is answered 410", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10"), podList("30", pod("x", "29"))];
  api.watchFailures = [
    new KubeApiError(410, {
      method: "GET",
      path: "/api/v1/pods",
      status: { code: 410, reason: "Expired" },
    }),
  ];
  await withInformer(api, {}, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    assertEquals(api.lists.length, 2);
    assertEquals(names(inf), ["ns/x"]);
    assertEquals(api.current.opts.resourceVersion, "30");
  });
});

Deno.test("Informer reconnects with backoff after transport errors and 503s and resumes without a relist", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"))];
  await withInformer(api, {}, async (inf, rec) => {
    await eventually("a watch", () => api.watches.length === 1);
    api.current.push({ type: "MODIFIED", object: pod("a", "11") });
    await eventually("the update", () => inf.resourceVersion === "11");
    api.watchFailures = [
      new TransportError("refused", "connect: connection refused"),
      new TransportError("tls", "tls: handshake failed (peer closed connection)"),
      new KubeApiError(503, { method: "GET", path: "/api/v1/pods" }),
    ];
    api.current.push(new TransportError("reset", "connection reset by peer"));
    await eventually("a new watch", () => api.watches.length === 2);
    await eventually("the accepted watch", () => inf.health().connected);
    assertEquals(api.current.opts.resourceVersion, "11");
    api.current.push({ type: "ADDED", object: pod("b", "12") });
    await eventually("the add", () => inf.get("ns", "b") !== undefined);
    const h = inf.health();
    assertEquals([h.connected, h.reconnects, h.errors, h.relists], [true, 1, 4, 0]);
    assertEquals(api.lists.length, 1);
    assertEquals(rec.log, ["add a@5", "update a@5->11", "add b@12"]);
  });
});

Deno.test("Informer logs 'connected to the API server again' when the watch is accepted, before any event", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"))];
  const lines: string[] = [];
  const logger = {
    ...silentLogger,
    verbose: (m: string) => void lines.push(`[verbose] ${m}`),
    error: (m: string) => void lines.push(`[error] ${m}`),
  };
  await withInformer(api, { logger }, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    api.watchFailures = [new TransportError("refused", "connect: connection refused")];
    api.current.push(new TransportError("reset", "connection reset by peer"));
    await eventually("a new watch", () => api.watches.length === 2);
    await eventually("the accepted watch", () => inf.health().connected);
    assertEquals(lines, [
      "[verbose] pods informer: synced 1 objects at 10",
      "[error] pods informer: watch failed: connection reset by peer; retrying with backoff",
      "[verbose] pods informer: connected to the API server again",
    ]);
    const h = inf.health();
    assertEquals([h.connected, h.reconnects, h.errors], [true, 1, 2]);
    assertEquals(inf.resourceVersion, "10", "no event arrived");
  });
});

Deno.test("Informer is not connected again while the watch request waits for its answer", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"))];
  await withInformer(api, {}, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    const original = api.watch.bind(api);
    api.watch = (opts) => {
      const s = original(opts);
      (s as Stream).held = true;
      return s;
    };
    api.current.push(new TransportError("reset", "connection reset by peer"));
    await eventually("a new watch", () => api.watches.length === 2);
    await new Promise((r) => setTimeout(r, 20));
    assertEquals([inf.health().connected, inf.health().reconnects], [false, 0]);
  });
});

Deno.test("Informer relists after a non-retriable watch error", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10"), podList("11", pod("a", "11"))];
  api.watchFailures = [new KubeApiError(403, { method: "GET", path: "/api/v1/pods" })];
  await withInformer(api, {}, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    assertEquals(api.lists.length, 2);
    assertEquals(names(inf), ["ns/a"]);
    assertEquals(inf.health().relists, 1);
  });
});

Deno.test("Informer retries a failing LIST; waitForSync() reports false until it succeeds", async () => {
  const api = new FakeApi();
  const refused = new TransportError("refused", "connect: connection refused");
  api.listAnswers = [refused, refused, refused];
  await withInformer(api, { backoff: { initialMs: 20, maxMs: 20 } }, async (inf) => {
    assertEquals(await inf.waitForSync(5), false);
    assertEquals(inf.hasSynced, false);
    await eventually("two tries", () => api.lists.length >= 2);
    api.listAnswers = [podList("10", pod("a", "5"))];
    assertEquals(await inf.waitForSync(1_000), true);
    assertEquals(names(inf), ["ns/a"]);
    ok(inf.health().errors >= 2);
    assertEquals(inf.health().reconnects, 1);
    assertEquals(api.lists.at(-1)!.resourceVersion, undefined, "after a failure: latest state");
  });
});

Deno.test("Informer backs off when a watch ends at once without events (no hot loop)", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10")];
  await withInformer(api, { backoff: { initialMs: 30, maxMs: 30, jitter: 0 } }, async () => {
    await eventually("a watch", () => api.watches.length === 1);
    const t0 = Date.now();
    api.current.end();
    await eventually("a second watch", () => api.watches.length === 2);
    ok(Date.now() - t0 >= 25, `re-watched after ${Date.now() - t0} ms`);
  });
});

Deno.test("Informer drops a watch that goes silent and watches again", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10")];
  await withInformer(api, { stallMs: 30 }, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    await eventually("a second watch", () => api.watches.length === 2);
    ok(api.watches[0]!.opts.signal.aborted);
    assertEquals(inf.health().errors, 1);
    assertEquals(api.lists.length, 1);
  });
});

Deno.test("Informer pages the LIST with limit and continue", async () => {
  const api = new FakeApi();
  api.listAnswers = [
    { metadata: { resourceVersion: "10", continue: "t1" }, items: [pod("a", "5")] },
    { metadata: { resourceVersion: "10" }, items: [pod("b", "6")] },
  ];
  await withInformer(api, { pageSize: 1 }, async (inf) => {
    await inf.waitForSync(1_000);
    assertEquals(names(inf), ["ns/a", "ns/b"]);
    assertEquals(api.lists.slice(0, 2).map((l) => [l.limit, l.continue, l.resourceVersion]), [
      [1, undefined, "0"],
      [1, "t1", undefined],
    ]);
  });
});

Deno.test("Informer stores what transform returns, for listed and watched objects", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5", { spec: { containers: [{}] } }))];
  const transform = (p: Pod): Pod => ({ metadata: p.metadata });
  await withInformer(api, { transform }, async (inf) => {
    await eventually("a watch", () => api.watches.length === 1);
    api.current.push({ type: "ADDED", object: pod("b", "11", { spec: { containers: [{}] } }) });
    await eventually("the add", () => inf.get("ns", "b") !== undefined);
    assertEquals(inf.list().map((p) => "spec" in p), [false, false]);
  });
});

Deno.test("Informer resync re-delivers the cache to onUpdate without API calls", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"), pod("b", "6"))];
  await withInformer(api, { resyncMs: 10 }, async (inf, rec) => {
    await inf.waitForSync(1_000);
    await eventually("two resyncs", () => rec.log.filter((l) => l === "update a@5->5").length >= 2);
    assertEquals(api.lists.length, 1);
    assertEquals(api.watches.length, 1);
  });
});

Deno.test("Informer keeps going when a handler throws", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10")];
  const errors: string[] = [];
  const logger = { ...silentLogger, error: (m: string) => errors.push(m) };
  await withInformer(api, { logger }, async (inf) => {
    inf.onAdd(() => {
      throw new Error("boom");
    });
    await eventually("a watch", () => api.watches.length === 1);
    api.current.push({ type: "ADDED", object: pod("a", "11") });
    api.current.push({ type: "ADDED", object: pod("b", "12") });
    await eventually("both adds", () => inf.list().length === 2);
    assertEquals(errors, [
      "pods informer: an event handler failed: boom",
      "pods informer: an event handler failed: boom",
    ]);
  });
});

Deno.test("Informer onAdd() registered after sync receives the cached objects", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"))];
  await withInformer(api, {}, async (inf) => {
    await inf.waitForSync(1_000);
    const seen: string[] = [];
    const off = inf.onAdd((p) => seen.push(p.metadata.name!));
    assertEquals(seen, ["a"]);
    off();
  });
});

Deno.test("Informer stop() ends the watch, keeps the cache, and start() resumes", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10", pod("a", "5"))];
  const inf = new Informer<Pod>({ name: "pods", listWatch: api, logger: silentLogger });
  inf.start();
  await inf.waitForSync(1_000);
  await eventually("a watch", () => api.watches.length === 1);
  await inf.stop();
  ok(api.current.opts.signal.aborted);
  assertEquals([inf.hasSynced, inf.health().connected, names(inf)], [true, false, ["ns/a"]]);
  assertEquals(await inf.waitForSync(10), true);
  inf.start();
  await eventually("a watch", () => api.watches.length === 2);
  assertEquals(api.current.opts.resourceVersion, "10");
  await inf.stop();
});

Deno.test("Informer stop() right after sync ends the loop at once", async () => {
  const api = new FakeApi();
  api.listAnswers = [podList("10")];
  const inf = new Informer<Pod>({ name: "pods", listWatch: api, logger: silentLogger });
  inf.start();
  await inf.waitForSync(1_000);
  const t0 = Date.now();
  await inf.stop();
  ok(Date.now() - t0 < 1_000);
});

Deno.test("Informer waitForSync() resolves false when stopped before syncing", async () => {
  const api = new FakeApi();
  api.listAnswers = [new TransportError("refused", "connect: connection refused")];
  const inf = new Informer<Pod>({ name: "pods", listWatch: api, logger: silentLogger });
  inf.start();
  const waiting = inf.waitForSync(10_000);
  await inf.stop();
  assertEquals(await waiting, false);
});
