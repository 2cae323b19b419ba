/**
 * Writing the network-status annotation (Multus `SetNetworkStatus`) with whatever the
 * cluster's RBAC allows, keeping the UID precondition:
 *
 * - first one JSON merge patch of pods/status carrying `metadata.uid` (one request; our
 *   ClusterRole grants `patch`);
 * - when the API answers 403 to the patch (Multus's own ClusterRole grants pods/status
 *   `get, list, update, watch` and no `patch`), from then on for the life of the writer:
 *   the pod read whole (a GET, unless this process read it whole already), the annotation
 *   set, and a PUT of pods/status carrying `metadata.uid` and `metadata.resourceVersion`
 *   as preconditions, as Multus does. A trimmed copy (the daemon's informer cache) is
 *   never PUT: the server would replace the pod's labels and annotations with its few.
 *
 * A 409 Conflict is retried as client-go's `RetryOnConflict(DefaultRetry)` does (5 tries,
 * 10 ms apart, jitter 0.1), the pod read again before every retry; a pod gone (404) is
 * tolerated as Multus does; a pod recreated under another UID fails at once.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import {
  isConflict,
  isForbidden,
  isNotFound,
  isUidMismatch,
  type KubeClient,
  type PollClock,
  retryOnConflict,
} from "../kube/mod.ts";
import type { Logger } from "../platform/log.ts";
import type { Pod, StatusWriter } from "./deps.ts";
import { messageOf } from "./errors.ts";

/** The network-status annotation key. */
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";

/** Options of {@linkcode networkStatusWriter}. */
export interface NetworkStatusWriterOptions {
  logger: Logger;
  /** Pauses between conflict retries (default the real clock). */
  clock?: PollClock;
  /** A number in [0, 1) for the retry jitter (default `Math.random`). */
  random?: () => number;
  /**
   * Pods this process read whole from the API, as they were read: such a pod may be PUT
   * without reading it again. Any other pod object is read again before a PUT.
   */
  wholePods?: WeakSet<object>;
}

/** The pod is not the one the ADD is for any more (deleted and created again). */
function recreated(pod: Pod, got: string, cause?: unknown): CniError {
  const { namespace, name, uid } = pod.metadata;
  return new CniError(
    CniCode.TryAgainLater,
    `SetNetworkStatus: expected pod ${namespace}/${name} UID "${
      uid ?? ""
    }" but got "${got}" from Kube API`,
    cause === undefined ? undefined : { cause },
  );
}

/** The pod with `annotation` set, ready to PUT (`uid` and `resourceVersion` kept). */
function withAnnotation(pod: Pod, annotation: string): Pod {
  const body = structuredClone(pod);
  body.metadata.annotations = {
    ...(body.metadata.annotations ?? {}),
    [NETWORK_STATUS_ANNOTATION]: annotation,
  };
  return body;
}

/**
 * A {@linkcode StatusWriter} over `client` that remembers whether the API refuses the
 * merge patch; create one per process (or per daemon) and keep it.
 *
 * @example Usage
 * ```ts ignore
 * const status = networkStatusWriter(client, { logger });
 * const written = await status.writeNetworkStatus(pod, '[{"name":"cbr0","interface":"eth0"}]');
 * ```
 */
export function networkStatusWriter(
  client: KubeClient,
  opts: NetworkStatusWriterOptions,
): StatusWriter {
  let patchRefused = false;
  const whole = opts.wholePods;

  /** The pod read again (UID-checked), or null when it is gone. */
  async function reread(pod: Pod): Promise<Pod | null> {
    const { namespace, name, uid } = pod.metadata;
    let fresh: Pod;
    try {
      fresh = await client.getPod(namespace, name) as Pod;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const got = fresh.metadata.uid ?? "";
    if (uid && got !== uid) throw recreated(pod, got);
    return fresh;
  }

  async function patch(pod: Pod, annotation: string): Promise<boolean> {
    const { namespace, name, uid } = pod.metadata;
    try {
      await client.patchPodStatus(namespace, name, {
        ...(uid ? { uid } : {}),
        annotations: { [NETWORK_STATUS_ANNOTATION]: annotation },
      });
      return true;
    } catch (err) {
      if (!isForbidden(err)) throw err;
      patchRefused = true;
      opts.logger.verbose(
        `SetNetworkStatus: the API server refused the pods/status patch (${
          messageOf(err)
        }); writing network-status with a read and an update of pods/status from now on`,
      );
      return false;
    }
  }

  return {
    async writeNetworkStatus(pod, annotation): Promise<boolean> {
      const { namespace, name } = pod.metadata;
      let current: Pod | null = whole?.has(pod) ? pod : null;
      try {
        return await retryOnConflict(async (attempt) => {
          if (attempt > 1) {
            current = await reread(pod);
            if (current === null) return false;
          }
          if (!patchRefused && await patch(pod, annotation)) return true;
          current ??= await reread(pod);
          if (current === null) return false;
          await client.updatePodStatus(namespace, name, withAnnotation(current, annotation));
          return true;
        }, {
          retriable: (err) => isConflict(err) && !isUidMismatch(err),
          ...(opts.clock ? { clock: opts.clock } : {}),
          ...(opts.random ? { random: opts.random } : {}),
        });
      } catch (err) {
        if (isNotFound(err)) return false;
        // A recreated pod: a PATCH fails validation (uid is immutable, 422), a PUT with 409.
        if (isUidMismatch(err)) {
          throw new CniError(
            CniCode.TryAgainLater,
            `SetNetworkStatus: pod ${namespace}/${name} is no longer the pod with UID "${
              pod.metadata.uid ?? ""
            }": ${messageOf(err)}`,
            { cause: err },
          );
        }
        throw err;
      }
    },
  };
}
