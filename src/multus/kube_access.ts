/**
 * {@linkcode KubeAccess} over the lean Kubernetes client, as the thin plugin uses it:
 * live GETs with Multus's GetPod policy, NADs read live, network-status written with one
 * merge patch (UID as precondition), events sent as soon as they are recorded and
 * awaited before the process exits.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import {
  getPodWithRetry,
  isNotFound,
  isUidMismatch,
  type KubeClient,
  podEvent,
  type PollClock,
} from "../kube/mod.ts";
import type { Logger } from "../platform/log.ts";
import type { DraSource, EventSink, KubeAccess, Nad, Pod } from "./deps.ts";
import { messageOf } from "./errors.ts";

/** The network-status annotation key. */
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";

/** Options of {@linkcode clientAccess}. */
export interface ClientAccessOptions {
  logger: Logger;
  clock?: PollClock;
  /** The node name for events' `source.host`. */
  nodeName?: string;
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

/** Kubernetes access for one plugin invocation. */
export function clientAccess(client: KubeClient, opts: ClientAccessOptions): KubeAccess {
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
        return "pod" in r ? r.pod as Pod : null;
      },
    },
    nads: {
      getNad: async (namespace, name): Promise<Nad> => await client.getNad(namespace, name) as Nad,
    },
    status: {
      async writeNetworkStatus(pod, annotation): Promise<boolean> {
        const { namespace, name, uid } = pod.metadata;
        try {
          await client.patchPodStatus(namespace, name, {
            ...(uid ? { uid } : {}),
            annotations: { [NETWORK_STATUS_ANNOTATION]: annotation },
          });
          return true;
        } catch (err) {
          if (isNotFound(err)) return false;
          // A recreated pod: PATCH fails validation (uid is immutable, 422); a PUT would be 409.
          if (isUidMismatch(err)) {
            throw new CniError(
              CniCode.TryAgainLater,
              `SetNetworkStatus: pod ${namespace}/${name} is no longer the pod with UID "${uid}": ${
                messageOf(err)
              }`,
              { cause: err },
            );
          }
          throw err;
        }
      },
    },
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
