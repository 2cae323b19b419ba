/**
 * What the Multus orchestration needs from the world, as small interfaces. The thin
 * plugin wires them to live API calls; the daemon wires pods and NADs to its informer
 * caches and sends events off the critical path. Tests pass recording fakes.
 *
 * @module
 */
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import type { Logger } from "../platform/log.ts";
import type { InvokeOptions } from "../cni/invoke.ts";
import type { MultusConf, PodEvent } from "../engine/multus.ts";
import type { ResourceClaim, ResourceSlice } from "../kube/types.ts";

/** The parts of a Pod Multus reads. */
export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: { nodeName?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** The parts of a NetworkAttachmentDefinition Multus reads. */
export interface Nad {
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: { config?: string };
  [key: string]: unknown;
}

/** Looks pods up with Multus's GetPod policy (retries, UID check). */
export interface PodSource {
  /**
   * The pod, or null when it does not exist (on DEL also when its UID differs).
   *
   * @throws {CniError} on ADD when the UID differs or the API keeps failing.
   */
  getPod(
    namespace: string,
    name: string,
    opts: { uid: string; isDel: boolean },
  ): Promise<Pod | null>;
}

/** Looks NADs up. */
export interface NadSource {
  /** The NAD; throws the API's error (NotFound included) with its message. */
  getNad(namespace: string, name: string): Promise<Nad>;
}

/** Writes the network-status annotation with one request. */
export interface StatusWriter {
  /**
   * Sets `k8s.v1.cni.cncf.io/network-status` on the pod (UID-checked when `uid` given).
   * Resolves `false` when the pod is gone (tolerated, as Multus does).
   */
  writeNetworkStatus(pod: Pod, annotation: string): Promise<boolean>;
}

/** Records events on pods. */
export interface EventSink {
  /** Queues an event; never throws. */
  record(pod: Pod, event: PodEvent): void;
  /** Resolves when every queued event was sent (or failed and was logged). */
  flush(): Promise<void>;
}

/** DRA reads for device IDs (Multus section 2.9, source 2), always live. */
export interface DraSource {
  getResourceClaim(namespace: string, name: string): Promise<ResourceClaim>;
  /** The slices matching `fieldSelector`, e.g. `spec.nodeName=n1,spec.driver=d`. */
  listResourceSlices(fieldSelector: string): Promise<ResourceSlice[]>;
}

/** Kubernetes access as the orchestration sees it; null = no Kubernetes config. */
export interface KubeAccess {
  pods: PodSource;
  nads: NadSource;
  status: StatusWriter;
  events: EventSink;
  /** Absent when the client cannot make DRA reads (then DRA claims are not read). */
  dra?: DraSource;
}

/** Effects inside a pod's network namespace (via `nsenter` + `ip`, never in-process). */
export interface NetnsOps {
  /** Whether the namespace at `netns` exists. */
  exists(netns: string): Promise<boolean>;
  /**
   * The link names inside `netns`.
   *
   * @throws when the namespace cannot be entered.
   */
  linkNames(netns: string): Promise<string[]>;
  /** Removes default routes on `ifName` (per family) and adds `add` gateways. */
  applyDefaultRoutes(
    netns: string,
    ifName: string,
    actions: { deleteV4: boolean; deleteV6: boolean; add: string[] },
  ): Promise<void>;
}

/** Everything a Multus command needs. */
export interface MultusDeps {
  exec: Exec;
  fs: Fs;
  logger: Logger;
  /** Kubernetes access for a given config's `kubeconfig` key (null: delegates only). */
  kube(opts: { kubeconfig: string }): Promise<KubeAccess | null>;
  netns: NetnsOps;
  /** The environment delegates inherit (libcni passes the runtime's own). */
  env: Record<string, string>;
  /** Waits (readiness polling, retries). */
  sleep(ms: number): Promise<void>;
  /** Milliseconds since an arbitrary epoch. */
  now(): number;
  /** Delegate exec limits. */
  invoke?: InvokeOptions;
  /** Called after every delegate command (the daemon's per-plugin-type latency metrics). */
  observeDelegate?(event: { type: string; command: string; seconds: number; ok: boolean }): void;
  /** Applies a config's logging keys (thin mode; the daemon keeps its own logging). */
  configureLogging?(conf: MultusConf): void;
  /** Overrides for tests: readiness poll interval and limit (Multus: 1 s, 45 s). */
  readiness?: { pollMs: number; timeoutMs: number };
}
