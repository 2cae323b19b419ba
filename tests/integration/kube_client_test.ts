/**
 * The lean Kubernetes client (`src/kube/`) against the Kubernetes API test double over
 * real HTTPS: every credential kind a kubeconfig or a pod's service account can carry,
 * TLS verification (custom CA, unknown CA, insecure-skip-tls-verify, tls-server-name),
 * error answers, the one-request status patch, events, list + watch with bookmarks, and
 * outages classified as retriable. The exotic path runs the real `@kubernetes/client-node`.
 */
// node:assert directly: tests/support/assert.ts does not type-check next to the @types/node
// that @kubernetes/client-node brings into the graph (via src/kube/exotic.ts).
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import {
  type KubeApiDouble,
  type KubeApiDoubleOptions,
  startKubeApiDouble,
} from "../support/kube_api/mod.ts";
import {
  type KubeconfigOptions,
  writeInClusterConfig,
  writeKubeconfig,
} from "../support/kubeconfig.ts";
import { createTestPki } from "../support/certs.ts";
import {
  getPodWithRetry,
  isNotFound,
  isRetriable,
  isUidMismatch,
  KubeApiError,
  type KubeClient,
  loadKubeClient,
  podEvent,
  RequestCounter,
  TransportError,
  type WatchEvent,
} from "../../src/kube/mod.ts";
import type { Pod } from "../../src/kube/types.ts";
import { denoExec } from "../../src/platform/exec.ts";
import { denoFs } from "../../src/platform/fs.ts";
import { envFromObject } from "../../src/platform/process.ts";

const TOKEN = "lean-client-token";

async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  cls: new (...a: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof cls) return err;
    throw new Error(`expected ${cls.name}, got ${err}`);
  }
  throw new Error(`expected a rejection with ${cls.name}`);
}

function assertStringIncludes(text: string, part: string): void {
  assert(
    text.includes(part),
    `expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`,
  );
}
const POD_UID = "6b1e2c4a-0000-4000-8000-000000000001";

interface Ctx {
  api: KubeApiDouble;
  dir: string;
  counter: RequestCounter;
  /** Writes a kubeconfig pointing at the double and loads a client from it. */
  client(options: Omit<KubeconfigOptions, "server"> & { server?: string }): Promise<KubeClient>;
}

async function withApi(
  options: KubeApiDoubleOptions,
  fn: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const api = await startKubeApiDouble(options);
  const dir = await Deno.makeTempDir({ prefix: "kube-client-test-" });
  const clients: KubeClient[] = [];
  const counter = new RequestCounter();
  let n = 0;
  try {
    api.createPod({
      metadata: { name: "web-0", namespace: "ns", uid: POD_UID },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] },
    });
    api.createNad("ns", "macvlan", { config: '{"cniVersion":"1.0.0","type":"macvlan"}' });
    await fn({
      api,
      dir,
      counter,
      async client(kc) {
        const path = await writeKubeconfig(`${dir}/kubeconfig-${++n}`, { server: api.url, ...kc });
        const client = await loadKubeClient({
          kubeconfig: path,
          env: envFromObject({ PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" }),
          fs: denoFs,
          exec: denoExec,
          onRequest: counter.onRequest,
        });
        assert(client);
        clients.push(client);
        return client;
      },
    });
  } finally {
    for (const c of clients) c.close();
    await api.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const withToken = (fn: (ctx: Ctx) => Promise<void>) =>
  withApi({ tokens: [{ token: TOKEN, user: "multus" }] }, fn);

Deno.test("loadKubeClient() reads a pod and a NAD with a bearer token and a CA (YAML kubeconfig)", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const pod = await c.getPod("ns", "web-0");
    assertEquals(pod.metadata.uid, POD_UID);
    const nad = await c.getNad("ns", "macvlan");
    assertEquals(JSON.parse(nad.spec!.config!).type, "macvlan");
    assertEquals(api.requests().map((r) => [r.verb, r.resource, r.user]), [
      ["get", "pods", "multus"],
      ["get", "network-attachment-definitions", "multus"],
    ]);
  });
});

Deno.test("loadKubeClient() reads a JSON kubeconfig with a CA file", async () => {
  await withToken(async ({ api, dir, client }) => {
    await Deno.writeTextFile(`${dir}/ca.crt`, api.caPem!);
    const c = await client({ caFile: `${dir}/ca.crt`, token: TOKEN, format: "json" });
    assertEquals((await c.getPod("ns", "web-0")).metadata.name, "web-0");
  });
});

Deno.test("loadKubeClient() follows a rotating token file and re-reads it after a 401", async () => {
  await withApi({
    tokens: [{ token: "old", user: "old-user" }, { token: "new", user: "new-user" }],
  }, async (ctx) => {
    const { api, dir } = ctx;
    await Deno.writeTextFile(`${dir}/token`, "old");
    const c = await ctx.client({ caData: api.caPem!, tokenFile: `${dir}/token` });
    await c.getPod("ns", "web-0");
    await Deno.writeTextFile(`${dir}/token`, "new-but-longer");
    await Deno.writeTextFile(`${dir}/token`, "new");
    await c.getPod("ns", "web-0");
    assertEquals(api.requests().map((r) => r.user), ["old-user", "new-user"]);
    await Deno.writeTextFile(`${dir}/token`, "revoked!");
    const err = await assertRejects(() => c.getPod("ns", "web-0"), KubeApiError);
    assertEquals([err.code, err.message], [401, "Unauthorized"]);
    assertEquals(api.count({ status: 401 }), 2, "one retry after re-reading the token file");
  });
});

Deno.test("loadKubeClient() authenticates with a client certificate from files and from data", async () => {
  await withApi({}, async ({ api, client }) => {
    const cert = await api.pki!.issueClient("system:multus:n1", { groups: ["system:multus"] });
    const fromFiles = await client({
      caData: api.caPem!,
      clientCertFile: cert.certFile,
      clientKeyFile: cert.keyFile,
    });
    const fromData = await client({
      caData: api.caPem!,
      clientCertData: cert.certPem,
      clientKeyData: cert.keyPem,
    });
    await fromFiles.getPod("ns", "web-0");
    await fromData.getPod("ns", "web-0");
    assertEquals(api.requests().map((r) => r.user), ["system:multus:n1", "system:multus:n1"]);
  });
});

Deno.test("loadKubeClient() runs an exec plugin once, caches its token, and re-runs it after a 401", async () => {
  await withToken(async ({ api, dir, client }) => {
    const plugin = `${dir}/token-plugin`;
    await Deno.writeTextFile(
      plugin,
      `#!/bin/sh
n=$(cat "$STATE/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$STATE/count"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$STATE/info"
if [ "$n" -eq 1 ]; then tok=stale; else tok=${TOKEN}; fi
printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"%s"}}' "$tok"
`,
      { mode: 0o755 },
    );
    const c = await client({
      caData: api.caPem!,
      exec: { command: plugin, env: { STATE: dir }, provideClusterInfo: true },
    });
    await c.getPod("ns", "web-0");
    await c.getPod("ns", "web-0");
    assertEquals((await Deno.readTextFile(`${dir}/count`)).trim(), "2");
    assertEquals(api.requests().map((r) => r.status), [401, 200, 200]);
    const info = JSON.parse(await Deno.readTextFile(`${dir}/info`));
    assertEquals(info.spec.interactive, false);
    assertEquals(info.spec.cluster.server, api.url);
  });
});

Deno.test("loadKubeClient() uses the client certificate an exec plugin returns", async () => {
  await withApi({}, async ({ api, dir, client }) => {
    const cert = await api.pki!.issueClient("exec-user");
    await Deno.writeTextFile(
      `${dir}/cred.json`,
      JSON.stringify({
        kind: "ExecCredential",
        apiVersion: "client.authentication.k8s.io/v1beta1",
        status: { clientCertificateData: cert.certPem, clientKeyData: cert.keyPem },
      }),
    );
    const c = await client({
      caData: api.caPem!,
      exec: {
        command: "/bin/cat",
        args: [`${dir}/cred.json`],
        apiVersion: "client.authentication.k8s.io/v1beta1",
      },
    });
    await c.getPod("ns", "web-0");
    assertEquals(api.requests()[0]!.user, "exec-user");
  });
});

Deno.test("loadKubeClient() fails a request with a message naming a missing exec plugin", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({
      caData: api.caPem!,
      exec: { command: "no-such-plugin", installHint: "install it" },
    });
    const err = await c.getPod("ns", "web-0").then(() => null, (e: Error) => e);
    assert(err);
    assertStringIncludes(
      err.message,
      "getting credentials: exec: executable no-such-plugin not found",
    );
    assertEquals(api.count(), 0);
  });
});

Deno.test("loadKubeClient() uses the in-cluster service account when there is no kubeconfig", async () => {
  await withToken(async ({ api, dir }) => {
    const sa = await writeInClusterConfig(`${dir}/sa`, {
      server: api.url,
      token: TOKEN,
      caPem: api.caPem!,
    });
    const c = await loadKubeClient({
      env: envFromObject(sa.env),
      fs: denoFs,
      exec: denoExec,
      serviceAccountDir: sa.dir,
    });
    assert(c);
    try {
      assertEquals((await c.getPod("ns", "web-0")).metadata.uid, POD_UID);
      assertEquals(api.requests()[0]!.user, "multus");
    } finally {
      c.close();
    }
  });
});

Deno.test("loadKubeClient() rejects a server certificate from an unknown CA unless insecure-skip-tls-verify", async () => {
  await withToken(async ({ client }) => {
    const strict = await client({ token: TOKEN });
    const err = await assertRejects(() => strict.getPod("ns", "web-0"), TransportError);
    assertEquals(err.kind, "tls");
    assert(!isRetriable(err));
    assertStringIncludes(err.message, "x509: certificate signed by unknown authority");
    const insecure = await client({ token: TOKEN, insecureSkipTlsVerify: true });
    assertEquals((await insecure.getPod("ns", "web-0")).metadata.name, "web-0");
  });
});

Deno.test("loadKubeClient() verifies the server against tls-server-name", async () => {
  const pki = await createTestPki({ serverNames: ["kubernetes.default.svc"] });
  try {
    await withApi(
      {
        tls: { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem },
        tokens: [TOKEN],
      },
      async ({ client }) => {
        const plain = await client({ caData: pki.ca.certPem, token: TOKEN });
        await assertRejects(() => plain.getPod("ns", "web-0"), TransportError);
        const named = await client({
          caData: pki.ca.certPem,
          token: TOKEN,
          tlsServerName: "kubernetes.default.svc",
        });
        assertEquals((await named.getPod("ns", "web-0")).metadata.name, "web-0");
      },
    );
  } finally {
    await pki.cleanup();
  }
});

Deno.test("getPod() answers 401 as 'Unauthorized' with a hint naming the kubeconfig, never the token", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: "wrong-s3cr3t" });
    const err = await assertRejects(() => c.getPod("ns", "web-0"), KubeApiError);
    assertEquals([err.code, err.reason, err.message], [401, "Unauthorized", "Unauthorized"]);
    assertMatch(
      err.hint ?? "",
      /rejected the credentials from the bearer token of the kubeconfig .*kubeconfig-1$/,
    );
    assert(!`${err.message} ${err.hint} ${err.stack}`.includes("wrong-s3cr3t"));
  });
});

Deno.test("getPod() and getNad() report NotFound with the API's message", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const pod = await assertRejects(() => c.getPod("ns", "gone"), KubeApiError);
    assert(isNotFound(pod));
    assertEquals(pod.message, 'pods "gone" not found');
    const nad = await assertRejects(() => c.getNad("ns", "gone"), KubeApiError);
    assertEquals(nad.message, 'network-attachment-definitions.k8s.cni.cncf.io "gone" not found');
  });
});

Deno.test("patchPodStatus() writes the network-status annotation in one request", async () => {
  await withToken(async ({ api, client, counter }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const status =
      '[{"name":"cbr0","interface":"eth0","ips":["10.244.0.5"],"default":true,"dns":{}}]';
    const pod = await c.patchPodStatus("ns", "web-0", {
      uid: POD_UID,
      annotations: { "k8s.v1.cni.cncf.io/network-status": status },
    });
    assertEquals(pod.metadata.annotations?.["k8s.v1.cni.cncf.io/network-status"], status);
    assertEquals(counter.total, 1);
    const [req] = api.requests();
    assertEquals([req!.verb, req!.subresource, req!.contentType], [
      "patch",
      "status",
      "application/merge-patch+json",
    ]);
    assertEquals(
      api.getPod("ns", "web-0")?.metadata.annotations?.["k8s.v1.cni.cncf.io/network-status"],
      status,
    );
  });
});

Deno.test({
  name:
    "patchPodStatus() is refused (422, uid immutable) when the pod was recreated with another UID",
  fn: async () => {
    await withToken(async ({ api, client }) => {
      const c = await client({ caData: api.caPem!, token: TOKEN });
      const err = await assertRejects(
        () => c.patchPodStatus("ns", "web-0", { uid: "another-uid", annotations: { a: "b" } }),
        KubeApiError,
      );
      assertEquals([err.code, err.reason], [422, "Invalid"]);
      assert(isUidMismatch(err));
      assertEquals(api.getPod("ns", "web-0")?.metadata.annotations?.["a"], undefined);
    });
  },
});

Deno.test("createEvent() posts the event client-go's recorder would post", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const pod = await c.getPod("ns", "web-0");
    await c.createEvent(
      "ns",
      podEvent(pod, {
        type: "Normal",
        reason: "AddedInterface",
        message: "Add net1 [10.1.1.3/24] from ns/macvlan",
        host: "n1",
      }),
    );
    const [event] = api.events({ reason: "AddedInterface" });
    assert(event);
    assertEquals(event["message"], "Add net1 [10.1.1.3/24] from ns/macvlan");
    assertEquals(event["involvedObject"], {
      kind: "Pod",
      namespace: "ns",
      name: "web-0",
      uid: POD_UID,
      apiVersion: "v1",
      resourceVersion: pod.metadata.resourceVersion,
    });
    assertEquals((event["source"] as { component: string }).component, "multus");
    assertEquals(event["count"], 1);
  });
});

Deno.test("patchEvent() updates an event's count, lastTimestamp and message; 404 when it is gone", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const pod = await c.getPod("ns", "web-0");
    const created = await c.createEvent(
      "ns",
      podEvent(pod, { type: "Normal", reason: "AddedInterface", message: "Add eth0", host: "n1" }),
    );
    const name = created.metadata.name!;
    const patch = { count: 7, lastTimestamp: "2031-01-02T03:04:05Z", message: "Add eth0 again" };
    const patched = await c.patchEvent("ns", name, patch);
    assertEquals([patched.count, patched.lastTimestamp, patched.message], [
      7,
      patch.lastTimestamp,
      patch.message,
    ]);
    const [stored] = api.events({ reason: "AddedInterface" });
    assertEquals([stored!["count"], stored!["firstTimestamp"]], [7, created.firstTimestamp]);
    const err = await assertRejects(() => c.patchEvent("ns", "gone.1", patch), KubeApiError);
    assertEquals(err.code, 404);
  });
});

async function take<T>(it: AsyncIterator<T>, until: (item: T) => boolean, max = 50): Promise<T[]> {
  const seen: T[] = [];
  while (seen.length < max) {
    const r = await it.next();
    if (r.done) break;
    seen.push(r.value);
    if (until(r.value)) break;
  }
  return seen;
}

Deno.test("listPods() + watchPods() follow this node's pods with bookmarks, and end on abort", async () => {
  await withApi({ tokens: [TOKEN], bookmarkIntervalMs: 50 }, async ({ api, client }) => {
    api.createPod({ metadata: { name: "elsewhere", namespace: "ns" }, spec: { nodeName: "n2" } });
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const list = await c.listPods({ fieldSelector: "spec.nodeName=n1" });
    assertEquals(list.items.map((p) => p.metadata.name), ["web-0"]);
    const ac = new AbortController();
    const it = c.watchPods({
      resourceVersion: list.metadata.resourceVersion!,
      fieldSelector: "spec.nodeName=n1",
      allowWatchBookmarks: true,
      timeoutSeconds: 30,
      signal: ac.signal,
    })[Symbol.asyncIterator]();
    const first = await take(it, (e) => e.type === "BOOKMARK");
    assertEquals(first.map((e) => e.type), ["BOOKMARK"]);
    api.createPod({ metadata: { name: "web-1", namespace: "ns" }, spec: { nodeName: "n1" } });
    api.createPod({ metadata: { name: "other", namespace: "ns" }, spec: { nodeName: "n2" } });
    api.updatePod("ns", "web-1", (p) => {
      p.metadata.labels = { a: "b" };
    });
    const events = await take(it, (e) => e.type === "MODIFIED");
    const changes = events.filter((e) => e.type !== "BOOKMARK") as WatchEvent<Pod>[];
    assertEquals(changes.map((e) => [e.type, (e.object as Pod).metadata.name]), [
      ["ADDED", "web-1"],
      ["MODIFIED", "web-1"],
    ]);
    ac.abort();
    assertEquals((await it.next()).done, true);
    for (let i = 0; i < 100 && api.openWatches > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(api.openWatches, 0, "the server saw the stream close");
  });
});

Deno.test("watchPods() yields a 410 ERROR event when the resourceVersion is too old", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    const rv = (await c.listPods()).metadata.resourceVersion!;
    api.createPod({ metadata: { name: "later", namespace: "ns" } });
    api.compactHistory();
    const ac = new AbortController();
    const events = [];
    for await (const e of c.watchPods({ resourceVersion: rv, signal: ac.signal })) events.push(e);
    assertEquals(events.map((e) => [e.type, e.type === "ERROR" ? e.object.code : 0]), [[
      "ERROR",
      410,
    ]]);
  });
});

Deno.test("listNads() + watchNads() see NADs of every namespace", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    api.createNad("other", "bridge", { config: "{}" });
    const list = await c.listNads();
    assertEquals(list.items.map((n) => `${n.metadata.namespace}/${n.metadata.name}`).sort(), [
      "ns/macvlan",
      "other/bridge",
    ]);
    const ac = new AbortController();
    const it = c.watchNads({ resourceVersion: list.metadata.resourceVersion!, signal: ac.signal })
      [Symbol.asyncIterator]();
    api.createNad("third", "ipvlan", { config: "{}" });
    const [added] = await take(it, () => true);
    assertEquals([added!.type, (added!.object as Pod).metadata.name], ["ADDED", "ipvlan"]);
    await it.return?.(undefined);
  });
});

Deno.test("getPod() classifies refused, 503 and hanging API servers as retriable", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    await api.setOutage("refuse");
    const refused = await assertRejects(() => c.getPod("ns", "web-0"), TransportError);
    assertEquals([refused.kind, isRetriable(refused)], ["refused", true]);
    await api.setOutage("503");
    const unavailable = await assertRejects(() => c.getPod("ns", "web-0"), KubeApiError);
    assertEquals([unavailable.code, isRetriable(unavailable)], [503, true]);
    await api.setOutage("hang");
    const hung = await assertRejects(
      () => c.getPod("ns", "web-0", { timeoutMs: 200 }),
      TransportError,
    );
    assertEquals([hung.kind, isRetriable(hung)], ["timeout", true]);
    await api.setOutage(null);
  });
});

Deno.test("getPodWithRetry() rides out a short outage", async () => {
  await withToken(async ({ api, client }) => {
    const c = await client({ caData: api.caPem!, token: TOKEN });
    await api.setOutage("503");
    const end = setTimeout(() => void api.setOutage(null), 400);
    try {
      const r = await getPodWithRetry(c, {
        namespace: "ns",
        name: "web-0",
        uid: POD_UID,
        command: "ADD",
      });
      assert("pod" in r);
      assert(api.count({ status: 503 }) >= 1);
    } finally {
      clearTimeout(end);
      await api.setOutage(null);
    }
  });
});

function jwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${enc({ alg: "none", typ: "JWT" })}.${enc(payload)}.sig`;
}

Deno.test("loadKubeClient() serves auth-provider users through @kubernetes/client-node", async () => {
  const idToken = jwt({
    iss: "https://issuer",
    sub: "u",
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  await withApi({
    tokens: [{ token: "gcp-token", user: "gcp-user" }, { token: idToken, user: "oidc-user" }],
  }, async (ctx) => {
    const { api, dir } = ctx;
    const base = JSON.parse(
      (await import("../support/kubeconfig.ts")).renderKubeconfig({
        server: api.url,
        caData: api.caPem!,
        format: "json",
      }),
    );
    const providers = {
      gcp: {
        name: "gcp",
        config: {
          "access-token": "gcp-token",
          expiry: new Date(Date.now() + 3600_000).toISOString(),
        },
      },
      oidc: {
        name: "oidc",
        config: { "id-token": idToken, "client-id": "multus", "idp-issuer-url": "https://issuer" },
      },
    };
    for (const [name, provider] of Object.entries(providers)) {
      const path = `${dir}/${name}.kubeconfig`;
      base.users[0].user = { "auth-provider": provider };
      await Deno.writeTextFile(path, JSON.stringify(base));
      const c = await loadKubeClient({
        kubeconfig: path,
        env: envFromObject({}),
        fs: denoFs,
        exec: denoExec,
      });
      assert(c);
      try {
        await c.getPod("ns", "web-0");
        await c.patchPodStatus("ns", "web-0", {
          uid: POD_UID,
          annotations: { [`seen-${name}`]: "1" },
        });
      } finally {
        c.close();
      }
    }
    assertEquals(api.requests().map((r) => r.user), [
      "gcp-user",
      "gcp-user",
      "oidc-user",
      "oidc-user",
    ]);
  });
});
