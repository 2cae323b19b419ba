/**
 * The double's programmatic API for tests: create, change and delete pods and NADs and
 * read stored events without HTTP. Every change goes through the same store as API writes,
 * so it bumps the resourceVersion and reaches watchers the same way.
 *
 * @module
 */

import { type KubeObject, type Pod, prepareCreate } from "./objects.ts";
import {
  CORE_EVENTS,
  CSRS,
  EVENTS_V1,
  NADS,
  PODS,
  RESOURCE_CLAIMS,
  RESOURCE_SLICES,
  type ResourceType,
} from "./resources.ts";
import { KubeStatusError, notFound } from "./status.ts";
import type { ObjectStore } from "./store.ts";

/** Options of {@linkcode StoreControls.createNad}. */
export interface NadOptions {
  /** `spec.config`: CNI config JSON text (an object is stringified); absent: `spec: {}`. */
  readonly config?: string | Record<string, unknown> | undefined;
  /** `metadata.annotations`, e.g. `k8s.v1.cni.cncf.io/resourceName`. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `metadata.labels`. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Which stored events {@linkcode StoreControls.events} returns. */
export interface EventFilter {
  /** Event namespace. */
  readonly namespace?: string;
  /** `reason`, e.g. `AddedInterface`. */
  readonly reason?: string;
  /** `type`: `Normal` or `Warning`. */
  readonly type?: string;
  /** Name of the object the event is about (`involvedObject` or `regarding`). */
  readonly objectName?: string;
  /** Which API it was posted to. */
  readonly api?: "core" | "events.k8s.io";
}

/** Direct access to the double's objects. */
export interface StoreControls {
  /** Stores a pod (namespace default `default`; a given `metadata.uid` is kept). */
  createPod(pod: Pod): Pod;
  /** Changes a pod in place (`mutate` edits the draft or returns a replacement); 404 error if missing. */
  updatePod(namespace: string, name: string, mutate: (pod: Pod) => Pod | void): Pod;
  /** Deletes a pod and returns its last state, or undefined if there was none. */
  deletePod(namespace: string, name: string): Pod | undefined;
  /** The stored pod, or undefined. */
  getPod(namespace: string, name: string): Pod | undefined;
  /** Every pod (of one namespace, if given). */
  listPods(namespace?: string): Pod[];
  /** Stores a NetworkAttachmentDefinition. */
  createNad(namespace: string, name: string, options?: NadOptions): KubeObject;
  /** The stored NAD, or undefined. */
  getNad(namespace: string, name: string): KubeObject | undefined;
  /** Deletes a NAD and returns its last state, or undefined if there was none. */
  deleteNad(namespace: string, name: string): KubeObject | undefined;
  /** Stored events from both event APIs, oldest first. */
  events(filter?: EventFilter): KubeObject[];
  /** Stores a DRA ResourceClaim (with its `status.allocation`). */
  createResourceClaim(namespace: string, claim: KubeObject): KubeObject;
  /** Stores a DRA ResourceSlice. */
  createResourceSlice(slice: KubeObject): KubeObject;
  /** Stored CertificateSigningRequests, oldest first. */
  csrs(): KubeObject[];
  /**
   * Approves a CSR and issues `certPem` to it (`status.certificate`), as an approver and
   * the signer would; or, with `deny`, adds a Denied condition with that message.
   */
  settleCsr(name: string, outcome: { certPem: string } | { deny: string }): KubeObject;
  /** Drops watch history: watches from any older resourceVersion get 410 Expired. */
  compactHistory(): void;
  /** The current global resourceVersion. */
  readonly resourceVersion: string;
}

/** Builds the controls over `store`. */
export function createStoreControls(store: ObjectStore): StoreControls {
  const remove = (type: ResourceType, namespace: string, name: string) => {
    try {
      return store.delete(type, { namespace, name });
    } catch (error) {
      if (error instanceof KubeStatusError && error.code === 404) return undefined;
      throw error;
    }
  };
  return {
    createPod(pod) {
      const namespace = pod.metadata.namespace ?? "default";
      return store.create(PODS, prepareCreate(PODS, pod, { namespace, keepUid: true }));
    },
    updatePod(namespace, name, mutate) {
      const current = store.get(PODS, { namespace, name });
      if (!current) throw notFound(PODS, name);
      const draft: Pod = structuredClone(current);
      const next = mutate(draft) ?? draft;
      next.metadata = { ...next.metadata, namespace, name };
      next.kind = PODS.kind;
      next.apiVersion = PODS.version;
      return store.update(PODS, next);
    },
    deletePod: (namespace, name) => remove(PODS, namespace, name),
    getPod: (namespace, name) => store.get(PODS, { namespace, name }),
    listPods: (namespace) => store.list(PODS, namespace),
    createNad(namespace, name, options = {}) {
      const metadata: KubeObject["metadata"] = { name, namespace };
      if (options.annotations) metadata.annotations = { ...options.annotations };
      if (options.labels) metadata.labels = { ...options.labels };
      const spec: Record<string, unknown> = {};
      if (options.config !== undefined) {
        spec["config"] = typeof options.config === "string"
          ? options.config
          : JSON.stringify(options.config);
      }
      return store.create(NADS, prepareCreate(NADS, { metadata, spec }, { namespace }));
    },
    getNad: (namespace, name) => store.get(NADS, { namespace, name }),
    deleteNad: (namespace, name) => remove(NADS, namespace, name),
    events(filter = {}) {
      const core = filter.api === "events.k8s.io" ? [] : store.list(CORE_EVENTS);
      const v1 = filter.api === "core" ? [] : store.list(EVENTS_V1);
      return [...core, ...v1]
        .filter((e) => matchesEvent(e, filter))
        .sort((a, b) =>
          Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0)
        );
    },
    createResourceClaim: (namespace, claim) =>
      store.create(RESOURCE_CLAIMS, prepareCreate(RESOURCE_CLAIMS, claim, { namespace })),
    createResourceSlice: (slice) =>
      store.create(RESOURCE_SLICES, prepareCreate(RESOURCE_SLICES, slice, { namespace: "" })),
    csrs: () =>
      store.list(CSRS).sort((a, b) =>
        Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0)
      ),
    settleCsr(name, outcome) {
      const current = store.get(CSRS, { namespace: "", name });
      if (!current) throw notFound(CSRS, name);
      const next = structuredClone(current);
      const now = new Date().toISOString();
      const status = (next["status"] ?? {}) as Record<string, unknown>;
      if ("deny" in outcome) {
        status["conditions"] = [
          {
            type: "Denied",
            status: "True",
            reason: "TestDenied",
            message: outcome.deny,
            lastUpdateTime: now,
          },
        ];
      } else {
        status["conditions"] = [
          { type: "Approved", status: "True", reason: "TestApproved", lastUpdateTime: now },
        ];
        status["certificate"] = btoa(outcome.certPem);
      }
      next["status"] = status;
      return store.update(CSRS, next);
    },
    compactHistory: () => store.compact(),
    get resourceVersion() {
      return String(store.resourceVersion);
    },
  };
}

function matchesEvent(event: KubeObject, filter: EventFilter): boolean {
  if (filter.namespace !== undefined && event.metadata.namespace !== filter.namespace) {
    return false;
  }
  if (filter.reason !== undefined && event["reason"] !== filter.reason) return false;
  if (filter.type !== undefined && event["type"] !== filter.type) return false;
  if (filter.objectName !== undefined) {
    const about = (event["involvedObject"] ?? event["regarding"]) as { name?: unknown } | undefined;
    if (about?.name !== filter.objectName) return false;
  }
  return true;
}
