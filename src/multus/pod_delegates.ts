/**
 * DEL's fallback when the scratch cache cannot say what to delete: the pod's delegates
 * recomputed from the API as ADD computed them. Loaded only by a DEL that needs it (the
 * API client and the resolver are no part of a DEL served from the cache).
 *
 * @module
 */
import type { DelegateConf, K8sArgs, MultusConf } from "../engine/multus.ts";
import type { EventSink, MultusDeps, Pod } from "./deps.ts";
import { cmdErr, messageOf } from "./errors.ts";
import { clusterDelegates, podDelegates } from "./resolve.ts";

/** What a DEL records: nothing. */
const NO_EVENTS: EventSink = { record: () => {}, flush: () => Promise.resolve() };

/** The pod's delegates recomputed as ADD computes them, or null when the pod is gone. */
export async function delegatesFromPod(
  conf: MultusConf,
  k8s: K8sArgs,
  deps: MultusDeps,
): Promise<DelegateConf[] | null> {
  let kube;
  try {
    kube = await deps.kube({ kubeconfig: conf.kubeconfig });
  } catch (err) {
    throw cmdErr(null, err, "error getting k8s client: ");
  }
  if (!kube) return null;
  let pod: Pod | null = null;
  try {
    pod = await kube.pods.getPod(k8s.podNamespace, k8s.podName, { uid: k8s.podUid, isDel: true });
  } catch (err) {
    deps.logger.error(`Multus: GetPod failed: ${messageOf(err)}, but continue to delete`);
  }
  if (!pod) return null;
  // A DEL records no events (a NAD that cannot be read was reported by the ADD, if any).
  const ctx = { conf, kube: { ...kube, events: NO_EVENTS }, pod, deps };
  const base = await clusterDelegates(ctx).catch((err) => {
    throw cmdErr(k8s, err, "failed to get clusterNetwork/defaultNetworks: ");
  });
  try {
    return await podDelegates(ctx, base);
  } catch (err) {
    if (base.length === 0) throw cmdErr(k8s, err, "failed to get delegates: ");
    deps.logger.error(
      `Multus: failed to get delegates: ${messageOf(err)}, but continue to delete clusterNetwork`,
    );
    return base;
  }
}
