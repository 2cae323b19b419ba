/**
 * {@linkcode KubeAccess} over the lean Kubernetes client, as the thin plugin uses it:
 * live GETs with Multus's GetPod policy, NADs read live, network-status written by
 * `status_write.ts` (one merge patch with the UID as precondition, or, where RBAC refuses
 * the patch, an update of pods/status of the pod read at the start of the ADD), events
 * sent as soon as they are recorded and awaited before the process exits.
 *
 * @module
 */
import { getPodWithRetry, type KubeClient, podEvent, type PollClock } from "../kube/mod.ts";
import type { Logger } from "../platform/log.ts";
import type { DraSource, EventSink, KubeAccess, Nad, Pod } from "./deps.ts";
import { messageOf } from "./errors.ts";
import { networkStatusWriter } from "./status_write.ts";

export { NETWORK_STATUS_ANNOTATION } from "./status_write.ts";

/** Options of {@linkcode clientAccess}. */
export interface ClientAccessOptions {
  logger: Logger;
  clock?: PollClock;
  /** The node name for events' `source.host`. */
  nodeName?: string;
  /** A number in [0, 1) for the status write's retry jitter (tests). */
  random?: () => number;
}

/** Events sent right away; `flush` waits for all of them (failures are logged). */
export function immediateEvents(client: KubeClient, opts: ClientAccessOptions): EventSink {
  const pending: Promise<void>[] = [];
  return {
    record(pod: Pod, event): void {
      const body = podEvent(pod, { ...event, ...(opts.nodeName ? { host: opts.nodeName } : {}) });
      pending.push(
        client.createEvent(pod.metadata.namespace, body).then(
          () => {},
          (err) => opts.logger.error(`failed to record event ${event.reason}: ${messageOf(err)}`),
        ),
      );
    },
    async flush(): Promise<void> {
      while (pending.length) await Promise.all(pending.splice(0));
    },
  };
}

/**
 * Kubernetes access for one plugin invocation (or, under the daemon's caches, for the live
 * reads and the status write of the daemon's life). The pods `getPod` returns are whole
 * API objects, so the status write may update one of them without reading it again.
 */
export function clientAccess(client: KubeClient, opts: ClientAccessOptions): KubeAccess {
  const wholePods = new WeakSet<object>();
  return {
    pods: {
      async getPod(namespace, name, { uid, isDel }): Promise<Pod | null> {
        const r = await getPodWithRetry(client, {
          namespace,
          name,
          uid,
          command: isDel ? "DEL" : "ADD",
          ...(opts.clock ? { clock: opts.clock } : {}),
        });
        if (r.warning) opts.logger.verbose(`warning: ${r.warning}`);
        if (!("pod" in r)) return null;
        wholePods.add(r.pod);
        return r.pod as Pod;
      },
    },
    nads: {
      getNad: async (namespace, name): Promise<Nad> => await client.getNad(namespace, name) as Nad,
    },
    status: networkStatusWriter(client, {
      logger: opts.logger,
      wholePods,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    }),
    events: immediateEvents(client, opts),
    ...(client.getResourceClaim && client.listResourceSlices ? { dra: draSource(client) } : {}),
  };
}

/** DRA reads over `client` (which has them). */
function draSource(client: KubeClient): DraSource {
  return {
    getResourceClaim: (namespace, name) => client.getResourceClaim!(namespace, name),
    listResourceSlices: async (fieldSelector) =>
      (await client.listResourceSlices!({ fieldSelector })).items,
  };
}
