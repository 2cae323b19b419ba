/**
 * Pods shaped like real workloads, for the benchmarks' filler pods: what a kube-apiserver
 * serves for a Deployment's pod (labels, owner references, annotations including a
 * network-status, spec with two containers, status with conditions and container statuses).
 *
 * @module
 */

/** What {@linkcode realisticPod} may change. */
export interface RealisticPodOptions {
  /** Defaults to `web-<nodeName>-<i>`. */
  name?: string;
  /** Defaults to `team-<i % 20>`. */
  namespace?: string;
  /** Defaults to a random UUID. */
  uid?: string;
  /** Merged over the default annotations (a key set to `undefined` is dropped). */
  annotations?: Record<string, string | undefined>;
  /**
   * The typical workload pod (about 6 KB of JSON): labels, owner references, a
   * network-status annotation, two containers with 15 env vars each, status with conditions
   * and container statuses; no managed fields and no `last-applied-configuration`. Without
   * it, the heavy pod (about 11 KB) with both and 25 env vars a container.
   */
  lean?: boolean;
}

/** A pod as a real cluster serves it (about 11 KB of JSON; about 6 KB when `lean`). */
export function realisticPod(
  i: number,
  nodeName: string,
  opts: RealisticPodOptions = {},
): Record<string, unknown> {
  const name = opts.name ?? `web-${nodeName}-${i}`;
  const env = Array.from({ length: opts.lean ? 15 : 25 }, (_, k) => ({
    name: `APP_SETTING_${k}`,
    value: `value-${k}-${"x".repeat(20)}`,
  }));
  const container = (c: string) => ({
    name: c,
    image: `registry.example.com/team/${c}:v1.2.${i % 10}`,
    args: ["--port=8080", "--log-level=info", "--metrics-addr=:9090"],
    env,
    ports: [{ containerPort: 8080, protocol: "TCP" }, { containerPort: 9090, name: "metrics" }],
    resources: {
      limits: { cpu: "500m", memory: "256Mi" },
      requests: { cpu: "100m", memory: "128Mi" },
    },
    volumeMounts: [
      { name: "config", mountPath: "/etc/app" },
      {
        name: "kube-api-access-abcde",
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        readOnly: true,
      },
    ],
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
    readinessProbe: { httpGet: { path: "/readyz", port: 8080 }, periodSeconds: 5 },
    terminationMessagePath: "/dev/termination-log",
    imagePullPolicy: "IfNotPresent",
  });
  const managed = (manager: string, op: string) => ({
    manager,
    operation: op,
    apiVersion: "v1",
    time: "2026-05-01T10:00:00Z",
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {}, "f:pod-template-hash": {} } },
      "f:spec": {
        "f:containers": {
          'k:{"name":"app"}': { ".": {}, "f:env": {}, "f:image": {}, "f:ports": {} },
        },
      },
      "f:status": { "f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {} },
    },
  });
  return {
    metadata: {
      name,
      namespace: opts.namespace ?? `team-${i % 20}`,
      uid: opts.uid ?? crypto.randomUUID(),
      generateName: `web-${nodeName}-`,
      labels: { app: "web", "pod-template-hash": "5d4f8c9b7", tier: "frontend" },
      annotations: annotations({
        "k8s.v1.cni.cncf.io/networks": '[{"name":"macvlan-conf","interface":"net1"}]',
        "k8s.v1.cni.cncf.io/network-status": JSON.stringify([
          { name: "cbr0", interface: "eth0", ips: [`10.244.1.${i % 250}`], default: true, dns: {} },
          { name: "team/macvlan-conf", interface: "net1", ips: [`192.168.1.${i % 250}`], dns: {} },
        ]),
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          spec: { containers: [container("app")] },
        }),
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
      }, opts),
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `web-${nodeName}-5d4f8c9b7`,
        uid: crypto.randomUUID(),
        controller: true,
        blockOwnerDeletion: true,
      }],
      ...(opts.lean ? {} : {
        managedFields: [managed("kube-controller-manager", "Update"), managed("kubelet", "Update")],
      }),
    },
    spec: {
      nodeName,
      containers: [container("app"), container("sidecar")],
      volumes: [
        { name: "config", configMap: { name: "app-config", defaultMode: 420 } },
        {
          name: "kube-api-access-abcde",
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              {
                configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] },
              },
            ],
          },
        },
      ],
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      serviceAccountName: "default",
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
    },
    status: {
      phase: "Running",
      hostIP: "10.0.0.11",
      podIP: `10.244.1.${i % 250}`,
      podIPs: [{ ip: `10.244.1.${i % 250}` }],
      qosClass: "Burstable",
      startTime: "2026-05-01T10:00:01Z",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
        type,
        status: "True",
        lastTransitionTime: "2026-05-01T10:00:05Z",
      })),
      containerStatuses: ["app", "sidecar"].map((c) => ({
        name: c,
        ready: true,
        restartCount: 0,
        started: true,
        image: `registry.example.com/team/${c}:v1.2.${i % 10}`,
        imageID: `registry.example.com/team/${c}@sha256:${"ab".repeat(32)}`,
        containerID: `containerd://${"cd".repeat(32)}`,
        state: { running: { startedAt: "2026-05-01T10:00:04Z" } },
      })),
    },
  };
}

function annotations(
  defaults: Record<string, string>,
  opts: RealisticPodOptions,
): Record<string, string> {
  const out: Record<string, string | undefined> = { ...defaults, ...opts.annotations };
  if (opts.lean) delete out["kubectl.kubernetes.io/last-applied-configuration"];
  return Object.fromEntries(
    Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined),
  );
}
