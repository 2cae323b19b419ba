// deno-lint-ignore-file no-console
/**
 * Memory of the daemon's informer caches: starts the Kubernetes API test double with 500
 * pods on node `n1` (shaped like real workloads: managed fields, env, volumes, probes,
 * status, a `last-applied-configuration` annotation) plus 100 pods on another node and 100
 * NADs, then runs each mode in a child process of its own (so the double's memory does not
 * count) and reports its RSS once synced, the peak RSS (`VmHWM`) and the V8 heap in use.
 *
 * ```sh
 * ./scripts/deno run -A tests/bench/informer_rss.ts [--json] [--modes baseline,untrimmed,trimmed] [--page-size N]
 *   [--v8-flags=--max-semi-space-size=1,--optimize-for-size]
 * ```
 *
 * Modes: `baseline` (the client loaded, no informer), `untrimmed` (informers storing whole
 * objects), `trimmed` (what the daemon runs). Children run with the daemon's V8 flags and
 * `MALLOC_ARENA_MAX=2`, as `dist/` launches `multus-daemon` (`--v8-flags` replaces the V8
 * flags; `--v8-flags=` runs with Deno's defaults).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { DAEMON_V8_FLAGS } from "../../scripts/build.ts";

const MODES = ["baseline", "untrimmed", "trimmed"] as const;
type Mode = typeof MODES[number];
const MiB = 1024 * 1024;

/** What a child reports. */
export interface RssResult {
  /** RSS after sync and a full GC. */
  rssMiB: number;
  /** Peak RSS of the process (VmHWM). */
  peakRssMiB: number;
  /** V8 heap in use after sync and a full GC. */
  heapUsedMiB: number;
  /** V8 heap committed after sync and a full GC. */
  heapTotalMiB: number;
  /** Pods cached. */
  pods: number;
  /** NADs cached. */
  nads: number;
}

/** A pod as a real cluster serves it (about 7 KiB of JSON). */
export function realisticPod(i: number, nodeName: string): Record<string, unknown> {
  const name = `web-${nodeName}-${i}`;
  const env = Array.from({ length: 25 }, (_, k) => ({
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
      namespace: `team-${i % 20}`,
      uid: crypto.randomUUID(),
      generateName: `web-${nodeName}-`,
      labels: { app: "web", "pod-template-hash": "5d4f8c9b7", tier: "frontend" },
      annotations: {
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
      },
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `web-${nodeName}-5d4f8c9b7`,
        uid: crypto.randomUUID(),
        controller: true,
        blockOwnerDeletion: true,
      }],
      managedFields: [managed("kube-controller-manager", "Update"), managed("kubelet", "Update")],
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

async function peakRssBytes(): Promise<number> {
  try {
    const status = await Deno.readTextFile("/proc/self/status");
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return Deno.memoryUsage().rss;
}

async function child(mode: Mode, kubeconfig: string, pageSize?: number): Promise<RssResult> {
  const { loadKubeClient } = await import("../../src/kube/mod.ts");
  const { createNadInformer, createPodInformer } = await import("../../src/daemon/kube_cache.ts");
  const { denoExec } = await import("../../src/platform/exec.ts");
  const { denoFs } = await import("../../src/platform/fs.ts");
  const { silentLogger } = await import("../../src/platform/log.ts");
  const { envFromObject } = await import("../../src/platform/process.ts");
  const client = await loadKubeClient({
    kubeconfig,
    env: envFromObject({}),
    fs: denoFs,
    exec: denoExec,
  });
  if (!client) throw new Error("no client");
  const trim = mode === "trimmed";
  const tuning = pageSize === undefined ? {} : { pageSize };
  const pods = createPodInformer(client, { nodeName: "n1", logger: silentLogger, trim, ...tuning });
  const nads = createNadInformer(client, { logger: silentLogger, trim, ...tuning });
  if (mode !== "baseline") {
    pods.start();
    nads.start();
    if (!(await pods.waitForSync(30_000)) || !(await nads.waitForSync(30_000))) {
      throw new Error("informers did not sync");
    }
  } else {
    await client.listNads({ limit: 1 }); // the transport and TLS are set up as in the others
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const mem = Deno.memoryUsage();
  const result: RssResult = {
    rssMiB: round(mem.rss / MiB),
    peakRssMiB: round((await peakRssBytes()) / MiB),
    heapUsedMiB: round(mem.heapUsed / MiB),
    heapTotalMiB: round(mem.heapTotal / MiB),
    pods: pods.list().length,
    nads: nads.list().length,
  };
  await pods.stop();
  await nads.stop();
  client.close();
  return result;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Runs the double, then each mode in a child process; returns the results by mode. */
export async function measure(
  modes: readonly Mode[],
  opts: { pageSize?: number; v8Flags?: string } = {},
): Promise<Record<string, RssResult>> {
  const { startKubeApiDouble } = await import("../support/kube_api/mod.ts");
  const { writeKubeconfig } = await import("../support/kubeconfig.ts");
  const api = await startKubeApiDouble({ tokens: ["bench-token"] });
  const dir = await Deno.makeTempDir({ prefix: "informer-rss-" });
  try {
    for (let i = 0; i < 500; i++) api.createPod(realisticPod(i, "n1") as never);
    for (let i = 0; i < 100; i++) api.createPod(realisticPod(i, "n2") as never);
    for (let i = 0; i < 100; i++) {
      api.createNad(`team-${i % 20}`, `net-${i}`, {
        config: {
          cniVersion: "1.0.0",
          type: "macvlan",
          master: "eth1",
          mode: "bridge",
          ipam: { type: "host-local", subnet: `192.168.${i}.0/24` },
        },
        labels: { team: `team-${i % 20}` },
      });
    }
    const kubeconfig = await writeKubeconfig(`${dir}/kubeconfig`, {
      server: api.url,
      caData: api.caPem!,
      token: "bench-token",
    });
    const v8Flags = opts.v8Flags ?? DAEMON_V8_FLAGS.replace(/^--v8-flags=/, "");
    const results: Record<string, RssResult> = {};
    for (const mode of modes) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          `--v8-flags=--expose-gc${v8Flags ? `,${v8Flags}` : ""}`,
          new URL(import.meta.url).pathname,
          "--child",
          mode,
          "--kubeconfig",
          kubeconfig,
          ...(opts.pageSize === undefined ? [] : ["--page-size", String(opts.pageSize)]),
        ],
        env: { MALLOC_ARENA_MAX: "2" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        throw new Error(`${mode}: ${new TextDecoder().decode(out.stderr)}`);
      }
      results[mode] = JSON.parse(new TextDecoder().decode(out.stdout)) as RssResult;
    }
    return results;
  } finally {
    await api.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "string" },
      kubeconfig: { type: "string" },
      json: { type: "boolean", default: false },
      modes: { type: "string", default: MODES.join(",") },
      "page-size": { type: "string" },
      "v8-flags": { type: "string" },
    },
  });
  const pageSize = values["page-size"] === undefined ? undefined : Number(values["page-size"]);
  if (values.child) {
    const result = await child(values.child as Mode, values.kubeconfig ?? "", pageSize);
    console.log(JSON.stringify(result));
  } else {
    const modes = values.modes.split(",").filter((m): m is Mode => MODES.includes(m as Mode));
    const results = await measure(modes, {
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(values["v8-flags"] !== undefined ? { v8Flags: values["v8-flags"] } : {}),
    });
    if (values.json) console.log(JSON.stringify(results));
    else {
      console.log("mode        RSS MiB  peak RSS MiB  heap used MiB  heap total MiB  pods  nads");
      for (const [mode, r] of Object.entries(results)) {
        console.log(
          `${mode.padEnd(10)}  ${String(r.rssMiB).padStart(7)}  ${
            String(r.peakRssMiB).padStart(12)
          }  ${String(r.heapUsedMiB).padStart(13)}  ${String(r.heapTotalMiB).padStart(14)}  ${
            String(r.pods).padStart(4)
          }  ${String(r.nads).padStart(4)}`,
        );
      }
    }
  }
}
