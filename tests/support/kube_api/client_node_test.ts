/**
 * Proves that the real `@kubernetes/client-node` (2.0.1, under Deno) accepts the double's
 * wire format: kubeconfig loading, typed GET/LIST, status replace with conflicts, patches,
 * custom objects, events, watches and informers, over HTTPS with tokens, client certs, an
 * exec credential plugin and the in-cluster service-account layout.
 */

import assert from "node:assert/strict";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import { writeInClusterConfig, writeKubeconfig } from "../kubeconfig.ts";
import { type KubeApiDouble, startKubeApiDouble } from "./server.ts";

const TOKEN = "client-node-token";

async function withDouble(fn: (api: KubeApiDouble, dir: string) => Promise<void>): Promise<void> {
  const api = await startKubeApiDouble({ tokens: [{ token: TOKEN, user: "multus" }] });
  const dir = await Deno.makeTempDir({ prefix: "client-node-test-" });
  try {
    api.createPod({
      metadata: { name: "p", namespace: "ns", uid: "11111111-2222-3333-4444-555555555555" },
      spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] },
    });
    api.createNad("ns", "net1", { config: '{"cniVersion":"1.0.0","type":"bridge"}' });
    await fn(api, dir);
  } finally {
    await api.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function loadTokenConfig(api: KubeApiDouble, dir: string): Promise<KubeConfig> {
  const path = await writeKubeconfig(`${dir}/kubeconfig`, {
    server: api.url,
    caData: api.caPem ?? "",
    token: TOKEN,
  });
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

Deno.test("client-node reads a pod and a NAD when given a token kubeconfig", async () => {
  await withDouble(async (api, dir) => {
    const kc = await loadTokenConfig(api, dir);
    const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: "p", namespace: "ns" });
    assert.equal(pod.metadata?.uid, "11111111-2222-3333-4444-555555555555");
    assert.equal(pod.spec?.nodeName, "n1");
    assert.equal(pod.status?.phase, "Pending");
    const nad = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: "k8s.cni.cncf.io",
      version: "v1",
      namespace: "ns",
      plural: "network-attachment-definitions",
      name: "net1",
    }) as { spec: { config: string } };
    assert.equal(JSON.parse(nad.spec.config).type, "bridge");
    assert.deepEqual(api.requests().map((r) => [r.verb, r.resource, r.user]), [
      ["get", "pods", "multus"],
      ["get", "network-attachment-definitions", "multus"],
    ]);
  });
});

Deno.test("client-node surfaces 404 and 409 Status bodies as ApiException", async () => {
  await withDouble(async (api, dir) => {
    const core = (await loadTokenConfig(api, dir)).makeApiClient(CoreV1Api);
    const missing = await core.readNamespacedPod({ name: "zz", namespace: "ns" }).catch((e) => e);
    assert.ok(missing instanceof ApiException);
    assert.equal(missing.code, 404);
    assert.equal(JSON.parse(String(missing.body)).message, 'pods "zz" not found');
    const pod = await core.readNamespacedPod({ name: "p", namespace: "ns" });
    api.updatePod("ns", "p", (p) => {
      p.metadata.labels = { moved: "on" };
    });
    pod.metadata = { ...pod.metadata, annotations: { a: "1" } };
    const conflict = await core.replaceNamespacedPodStatus({
      name: "p",
      namespace: "ns",
      body: pod,
    })
      .catch((e) => e);
    assert.ok(conflict instanceof ApiException);
    assert.equal(conflict.code, 409);
    const fresh = await core.readNamespacedPod({ name: "p", namespace: "ns" });
    fresh.metadata = { ...fresh.metadata, annotations: { a: "1" } };
    const written = await core.replaceNamespacedPodStatus({
      name: "p",
      namespace: "ns",
      body: fresh,
    });
    assert.equal(written.metadata?.annotations?.["a"], "1");
  });
});

Deno.test("client-node patches pod status and creates events", async () => {
  await withDouble(async (api, dir) => {
    const core = (await loadTokenConfig(api, dir)).makeApiClient(CoreV1Api);
    const patched = await core.patchNamespacedPodStatus(
      { name: "p", namespace: "ns", body: { metadata: { annotations: { x: "y" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    assert.equal(patched.metadata?.annotations?.["x"], "y");
    const event = await core.createNamespacedEvent({
      namespace: "ns",
      body: {
        metadata: { generateName: "p." },
        involvedObject: { kind: "Pod", name: "p", namespace: "ns" },
        reason: "AddedInterface",
        message: "Add net1 [10.1.1.3/24] from ns/net1",
        type: "Normal",
      },
    });
    assert.match(event.metadata?.name ?? "", /^p\./);
    assert.equal(api.events({ reason: "AddedInterface" }).length, 1);
    assert.equal(
      api.count({ verb: "patch", subresource: "status", contentType: PatchStrategy.MergePatch }),
      1,
    );
  });
});

Deno.test("client-node lists by node and watches with a client certificate", async () => {
  await withDouble(async (api, dir) => {
    const identity = await api.pki!.issueClient("system:multus:n1", { groups: ["system:multus"] });
    const path = await writeKubeconfig(`${dir}/kubeconfig.json`, {
      server: api.url,
      caFile: api.pki!.ca.certFile,
      clientCertFile: identity.certFile,
      clientKeyFile: identity.keyFile,
      format: "json",
    });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const list = await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces({
      fieldSelector: "spec.nodeName=n1",
    });
    assert.deepEqual(list.items.map((p) => p.metadata?.name), ["p"]);
    const events: string[] = [];
    const seen = Promise.withResolvers<void>();
    const controller = await new Watch(kc).watch(
      "/api/v1/pods",
      { fieldSelector: "spec.nodeName=n1", resourceVersion: list.metadata?.resourceVersion },
      (phase, obj: V1Pod) => {
        events.push(`${phase} ${obj.metadata?.name}`);
        if (events.length === 2) seen.resolve();
      },
      () => {},
    );
    api.createPod({ metadata: { name: "q", namespace: "ns" }, spec: { nodeName: "n1" } });
    api.updatePod("ns", "p", (p) => {
      p.spec = { nodeName: "n2" };
    });
    await seen.promise;
    // Under Deno, client-node does not call `done` after a client-side abort (it does when
    // the server ends the stream), so wait for the server to see the stream close instead.
    controller.abort();
    while (api.openWatches > 0) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events, ["ADDED q", "DELETED p"]);
    assert.ok(api.requests().every((r) => r.user === "system:multus:n1"));
  });
});

Deno.test("client-node runs an informer against the double", async () => {
  await withDouble(async (api, dir) => {
    const kc = await loadTokenConfig(api, dir);
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer(
      kc,
      "/api/v1/pods",
      () => core.listPodForAllNamespaces({ fieldSelector: "spec.nodeName=n1" }),
    );
    const seen: string[] = [];
    const updated = Promise.withResolvers<void>();
    informer.on("add", (pod: V1Pod) => seen.push(`add ${pod.metadata?.name}`));
    informer.on("update", (pod: V1Pod) => {
      seen.push(`update ${pod.metadata?.annotations?.["s"]}`);
      updated.resolve();
    });
    await informer.start();
    api.updatePod("ns", "p", (p) => {
      p.metadata.annotations = { s: "1" };
    });
    await updated.promise;
    await informer.stop();
    assert.deepEqual(seen, ["add p", "update 1"]);
    assert.equal(informer.list().length, 1);
    assert.ok(api.count({ verb: "watch", resource: "pods" }) >= 1);
  });
});

Deno.test("client-node authenticates through an exec credential plugin", async () => {
  await withDouble(async (api, dir) => {
    const credential = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: TOKEN },
    });
    const path = await writeKubeconfig(`${dir}/kubeconfig`, {
      server: api.url,
      caData: api.caPem ?? "",
      exec: {
        command: "sh",
        args: ["-c", 'printf "%s" "$CREDENTIAL"'],
        env: { CREDENTIAL: credential },
      },
    });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: "p", namespace: "ns" });
    assert.equal(pod.metadata?.name, "p");
    assert.equal(api.requests()[0]?.user, "multus");
  });
});

Deno.test("client-node loads the in-cluster layout the helper writes", async () => {
  await withDouble(async (api, dir) => {
    const config = await writeInClusterConfig(
      `${dir}/var/run/secrets/kubernetes.io/serviceaccount`,
      {
        server: api.url,
        token: TOKEN,
        caPem: api.caPem ?? "",
      },
    );
    const saved = Object.fromEntries(
      Object.keys(config.env).map((k) => [k, Deno.env.get(k)] as const),
    );
    try {
      for (const [key, value] of Object.entries(config.env)) Deno.env.set(key, value);
      const kc = new KubeConfig();
      kc.loadFromCluster(dir);
      const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({
        name: "p",
        namespace: "ns",
      });
      assert.equal(pod.metadata?.name, "p");
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) Deno.env.delete(key);
        else Deno.env.set(key, value);
      }
    }
  });
});
