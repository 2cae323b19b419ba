import assert from "node:assert/strict";
import { createStoreControls } from "./controls.ts";
import { PODS } from "./resources.ts";
import { startKubeApiDouble } from "./server.ts";
import { KubeStatusError } from "./status.ts";
import { ObjectStore, type StoreEvent } from "./store.ts";

const controls = () => {
  const store = new ObjectStore({ historySize: 100 });
  return { store, api: createStoreControls(store) };
};

Deno.test("createPod() fills server metadata and keeps a given uid", () => {
  const { api } = controls();
  const pod = api.createPod({ metadata: { name: "p", uid: "fixed" }, spec: { nodeName: "n" } });
  assert.equal(pod.kind, "Pod");
  assert.equal(pod.apiVersion, "v1");
  assert.equal(pod.metadata.namespace, "default");
  assert.equal(pod.metadata.uid, "fixed");
  assert.equal(pod.metadata.resourceVersion, "2");
  assert.equal(pod.status?.phase, "Pending");
  assert.throws(() => api.createPod({ metadata: { name: "p" } }), KubeStatusError);
});

Deno.test("updatePod() emits MODIFIED and bumps the resourceVersion when the pod changes", () => {
  const { store, api } = controls();
  api.createPod({ metadata: { name: "p", namespace: "ns" } });
  const events: StoreEvent[] = [];
  const unsubscribe = store.subscribe(PODS, (e) => events.push(e));
  const updated = api.updatePod("ns", "p", (pod) => {
    pod.status = { phase: "Running" };
  });
  const replaced = api.updatePod(
    "ns",
    "p",
    (pod) => ({ ...pod, metadata: { ...pod.metadata, labels: { a: "b" } } }),
  );
  unsubscribe();
  assert.equal(updated.status?.phase, "Running");
  assert.deepEqual(replaced.metadata.labels, { a: "b" });
  assert.deepEqual(events.map((e) => e.type), ["MODIFIED", "MODIFIED"]);
  assert.equal(api.resourceVersion, "4");
  assert.throws(() => api.updatePod("ns", "missing", () => {}), KubeStatusError);
});

Deno.test("deletePod() returns the last state, or undefined when the pod is missing", () => {
  const { api } = controls();
  api.createPod({ metadata: { name: "p", namespace: "ns" } });
  assert.equal(api.deletePod("ns", "p")?.metadata.name, "p");
  assert.equal(api.deletePod("ns", "p"), undefined);
  assert.equal(api.getPod("ns", "p"), undefined);
});

Deno.test("createNad() stores spec.config text, or an empty spec when there is no config", () => {
  const { api } = controls();
  const withConfig = api.createNad("ns", "a", {
    config: { cniVersion: "1.0.0", type: "macvlan" },
    annotations: { "k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov" },
  });
  const without = api.createNad("ns", "b");
  assert.equal(withConfig.kind, "NetworkAttachmentDefinition");
  assert.equal(withConfig.apiVersion, "k8s.cni.cncf.io/v1");
  assert.deepEqual(withConfig["spec"], { config: '{"cniVersion":"1.0.0","type":"macvlan"}' });
  assert.equal(
    withConfig.metadata.annotations?.["k8s.v1.cni.cncf.io/resourceName"],
    "intel.com/sriov",
  );
  assert.deepEqual(without["spec"], {});
  assert.equal(api.deleteNad("ns", "b")?.metadata.name, "b");
  assert.equal(api.getNad("ns", "b"), undefined);
});

Deno.test("the double exposes a live resourceVersion and the controls", async () => {
  const api = await startKubeApiDouble({ tls: false });
  try {
    const before = api.resourceVersion;
    api.createPod({ metadata: { name: "p", namespace: "ns" } });
    assert.equal(Number(api.resourceVersion), Number(before) + 1);
    assert.equal(api.listPods("ns").length, 1);
  } finally {
    await api.stop();
  }
});
