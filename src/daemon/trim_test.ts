import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { NetworkAttachmentDefinition, Pod } from "../kube/mod.ts";
import { trimNad, trimPod } from "./trim.ts";

/** A pod as the API server serves it, with what a real workload carries. */
function realisticPod(name: string, nodeName: string): Pod {
  return {
    metadata: {
      name,
      namespace: "web",
      uid: `uid-${name}`,
      resourceVersion: "1234",
      generateName: "web-",
      creationTimestamp: "2026-05-01T10:00:00Z",
      labels: { app: "web", "pod-template-hash": "5d4f8c9b7" },
      annotations: {
        "k8s.v1.cni.cncf.io/networks": '[{"name":"macvlan","interface":"net1"}]',
        "k8s.v1.cni.cncf.io/network-status":
          '[{"name":"cbr0","interface":"eth0","ips":["10.1.1.2"]}]',
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"v1","kind":"Pod"}',
        "prometheus.io/scrape": "true",
      },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d4f8c9b7" }],
      managedFields: [{ manager: "kube-controller-manager", operation: "Update" }],
    },
    spec: {
      nodeName,
      containers: [{ name: "app", image: "nginx", env: [{ name: "A", value: "1" }] }],
      volumes: [{ name: "kube-api-access", projected: { sources: [] } }],
    },
    status: {
      phase: "Running",
      podIP: "10.1.1.2",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [{ name: "app", ready: true }],
    },
  };
}

Deno.test("trimPod() keeps identity, the annotations Multus reads, spec.nodeName and status.phase", () => {
  assertEquals(trimPod(realisticPod("web-0", "n1")), {
    metadata: {
      name: "web-0",
      namespace: "web",
      uid: "uid-web-0",
      resourceVersion: "1234",
      annotations: {
        "k8s.v1.cni.cncf.io/networks": '[{"name":"macvlan","interface":"net1"}]',
        "k8s.v1.cni.cncf.io/network-status":
          '[{"name":"cbr0","interface":"eth0","ips":["10.1.1.2"]}]',
      },
    },
    spec: { nodeName: "n1" },
    status: { phase: "Running" },
  });
});

Deno.test("trimPod() keeps the static-pod and default-network annotations and DRA claim statuses", () => {
  const pod: Pod = {
    metadata: {
      name: "etcd-n1",
      namespace: "kube-system",
      annotations: {
        "kubernetes.io/config.source": "file",
        "v1.multus-cni.io/default-network": "kube-system/calico",
        other: "x",
      },
    },
    status: { resourceClaimStatuses: [{ name: "gpu", resourceClaimName: "gpu-claim" }] },
  };
  assertEquals(trimPod(pod), {
    metadata: {
      name: "etcd-n1",
      namespace: "kube-system",
      annotations: {
        "v1.multus-cni.io/default-network": "kube-system/calico",
        "kubernetes.io/config.source": "file",
      },
    },
    status: { resourceClaimStatuses: [{ name: "gpu", resourceClaimName: "gpu-claim" }] },
  });
});

Deno.test("trimPod() drops annotations entirely when none of Multus's are present", () => {
  assertEquals(
    trimPod({ metadata: { name: "p", annotations: { a: "b" } }, spec: {}, status: {} }),
    {
      metadata: { name: "p" },
    },
  );
});

Deno.test("trimNad() keeps identity, the resourceName annotation and spec.config", () => {
  const nad: NetworkAttachmentDefinition = {
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: {
      name: "sriov",
      namespace: "ns",
      uid: "u",
      resourceVersion: "7",
      labels: { a: "b" },
      annotations: { "k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov", other: "x" },
      managedFields: [{}],
    },
    spec: { config: '{"type":"sriov"}' },
  };
  assertEquals(trimNad(nad), {
    metadata: {
      name: "sriov",
      namespace: "ns",
      uid: "u",
      resourceVersion: "7",
      annotations: { "k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov" },
    },
    spec: { config: '{"type":"sriov"}' },
  });
  assertEquals(trimNad({ metadata: { name: "empty", namespace: "ns" }, spec: {} }), {
    metadata: { name: "empty", namespace: "ns" },
    spec: {},
  });
});
