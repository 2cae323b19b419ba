/**
 * The daemon's Kubernetes access: pods of this node and NADs of every namespace served
 * from informer caches, the network-status written with one merge patch, events queued
 * off the critical path. In steady state a pod ADD makes one API request, the status
 * PATCH (Multus thick makes a GET and a PUT, plus one POST per interface). Under an RBAC
 * role without pods/status `patch` (Multus's own), the first refused patch switches the
 * daemon to Multus's GET and PUT: the cached pods are trimmed, so they are never PUT.
 *
 * Reads fall back to the API when the cache cannot answer: before the informers have
 * synced, for a NAD created a moment ago, and for a pod the cache has not seen after a
 * short wait ("retried briefly, then read live").
 *
 * @module
 */
import {
  getPodWithRetry,
  isStaticPod,
  KubeApiError,
  type KubeClient,
  type NetworkAttachmentDefinition,
  type Pod as KubePod,
  type PodGetter,
  type PollClock,
} from "../kube/mod.ts";
import type { EventSink, KubeAccess, Nad, Pod } from "../multus/deps.ts";
import { clientAccess } from "../multus/kube_access.ts";
import type { Logger } from "../platform/log.ts";
import { Informer, type InformerOptions } from "./informer.ts";
import { trimNad, trimPod } from "./trim.ts";

/** Informer settings the daemon may tune (tests shorten the timers). */
export type InformerTuning = Pick<
  InformerOptions<KubePod>,
  | "resyncMs"
  | "backoff"
  | "watchTimeoutSeconds"
  | "stallMs"
  | "pageSize"
  | "listTimeoutMs"
  | "clock"
  | "random"
>;

/** Options of {@linkcode createPodInformer}. */
export interface PodInformerOptions extends InformerTuning {
  /** This node (`MULTUS_NODE_NAME`): only its pods are listed and watched. */
  nodeName: string;
  logger: Logger;
  /** Keep only what Multus reads (default true; false to measure the difference). */
  trim?: boolean;
}

/** Options of {@linkcode createNadInformer}. */
export interface NadInformerOptions extends InformerTuning {
  logger: Logger;
  /** Keep only what Multus reads (default true). */
  trim?: boolean;
}

/**
 * The informer of this node's pods: all namespaces, `fieldSelector=spec.nodeName=<node>`,
 * trimmed by {@linkcode trimPod}. Not started.
 *
 * @example Usage
 * ```ts ignore
 * const pods = createPodInformer(client, { nodeName: "node1", logger });
 * pods.start();
 * ```
 */
export function createPodInformer(client: KubeClient, opts: PodInformerOptions): Informer<KubePod> {
  if (!opts.nodeName) {
    throw new Error("the pod informer needs this node's name (MULTUS_NODE_NAME is empty)");
  }
  const { nodeName, logger, trim, ...tuning } = opts;
  return new Informer<KubePod>({
    ...tuning,
    name: "pods",
    listWatch: { list: (o) => client.listPods(o), watch: (o) => client.watchPods(o) },
    fieldSelector: `spec.nodeName=${nodeName}`,
    ...(trim === false ? {} : { transform: trimPod }),
    logger,
  });
}

/** The informer of NetworkAttachmentDefinitions of every namespace. Not started. */
export function createNadInformer(
  client: KubeClient,
  opts: NadInformerOptions,
): Informer<NetworkAttachmentDefinition> {
  const { logger, trim, ...tuning } = opts;
  return new Informer<NetworkAttachmentDefinition>({
    ...tuning,
    name: "network-attachment-definitions",
    listWatch: { list: (o) => client.listNads(o), watch: (o) => client.watchNads(o) },
    ...(trim === false ? {} : { transform: trimNad }),
    logger,
  });
}

/** Options of {@linkcode cachedKubeAccess}. */
export interface CachedKubeAccessOptions {
  /** For the status write and every live read. */
  client: KubeClient;
  pods: Informer<KubePod>;
  nads: Informer<NetworkAttachmentDefinition>;
  /** Usually an `EventQueue`. */
  events: EventSink;
  logger: Logger;
  /** How often an ADD looks for a pod the cache lacks (default 50 ms, as Multus). */
  podPollMs?: number;
  /** How long an ADD waits for the cache before reading the pod live (default 1 s). */
  podWaitMs?: number;
  /** Time for the waits (tests). */
  clock?: PollClock;
  /** `source.host` of events, for live-mode access. */
  nodeName?: string;
}

/** The 404 a cache miss looks like to the GetPod policy. */
function cacheMiss(namespace: string, name: string): KubeApiError {
  return new KubeApiError(404, {
    method: "GET",
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
    status: { kind: "Status", code: 404, reason: "NotFound", message: `pods "${name}" not found` },
  });
}

/**
 * The pod cache as a {@linkcode PodGetter}. With `wantUid`, a cached pod of another UID
 * (the old pod of a recreated StatefulSet member, say) counts as a miss, so that the ADD
 * waits for the informer and then asks the API instead of failing on a stale entry.
 */
function cacheGetter(pods: Informer<KubePod>, wantUid: string): PodGetter {
  return {
    getPod(namespace: string, name: string): Promise<KubePod> {
      const pod = pods.get(namespace, name);
      if (!pod) return Promise.reject(cacheMiss(namespace, name));
      const uid = pod.metadata.uid ?? "";
      if (wantUid && uid !== wantUid && !isStaticPod(pod)) {
        return Promise.reject(cacheMiss(namespace, name));
      }
      return Promise.resolve(pod);
    },
  };
}

/**
 * {@linkcode KubeAccess} over the informer caches.
 *
 * - `pods.getPod`: before sync, live (Multus's GetPod policy); after, the cache. On ADD a
 *   pod missing from it (or cached with another UID) is looked for every `podPollMs` for
 *   `podWaitMs`, then read live once; on DEL a miss means the pod is gone.
 * - `nads.getNad`: the cache, else one live GET (a NAD created a moment ago; the API's
 *   NotFound when it does not exist).
 * - `status.writeNetworkStatus`: one merge patch of pods/status with the pod's UID, as the
 *   thin plugin does (where RBAC refuses the patch, a GET and a PUT; see
 *   `../multus/status_write.ts`). One writer serves the daemon's life.
 * - `events`: `opts.events`.
 *
 * Objects handed out are copies: callers may not corrupt the cache.
 *
 * @example Usage
 * ```ts ignore
 * const kube = cachedKubeAccess({ client, pods, nads, events: new EventQueue({ client, logger }), logger });
 * const pod = await kube.pods.getPod("ns", "web-0", { uid, isDel: false });
 * ```
 */
export function cachedKubeAccess(opts: CachedKubeAccessOptions): KubeAccess {
  const { client, pods, nads, logger } = opts;
  const live = clientAccess(client, {
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
  });
  const clock = opts.clock ? { clock: opts.clock } : {};
  return {
    pods: {
      async getPod(namespace, name, { uid, isDel }): Promise<Pod | null> {
        if (!pods.hasSynced) return await live.pods.getPod(namespace, name, { uid, isDel });
        const command = isDel ? "DEL" as const : "ADD" as const;
        const cached = await getPodWithRetry(cacheGetter(pods, isDel ? "" : uid), {
          namespace,
          name,
          uid,
          command,
          retryNotFound: !isDel,
          pollMs: opts.podPollMs ?? 50,
          totalMs: opts.podWaitMs ?? 1_000,
          ...clock,
        });
        if (cached.warning) logger.verbose(`warning: ${cached.warning}`);
        if ("pod" in cached) return structuredClone(cached.pod) as Pod;
        if (isDel) return null;
        logger.verbose(
          `pod ${namespace}/${name} is not in the informer cache after ${
            opts.podWaitMs ?? 1_000
          } ms; reading it from the API`,
        );
        // One live read (a second one only if the first fails transiently); UID-checked.
        const fresh = await getPodWithRetry(client, {
          namespace,
          name,
          uid,
          command,
          totalMs: 0,
          pollMs: 1_000,
          ...clock,
        });
        return "pod" in fresh ? fresh.pod as Pod : null;
      },
    },
    nads: {
      async getNad(namespace, name): Promise<Nad> {
        const nad = nads.hasSynced ? nads.get(namespace, name) : undefined;
        if (nad) return structuredClone(nad) as Nad;
        return await live.nads.getNad(namespace, name);
      },
    },
    status: live.status,
    events: opts.events,
    ...(live.dra ? { dra: live.dra } : {}),
  };
}
