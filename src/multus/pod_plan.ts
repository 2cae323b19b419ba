/**
 * The delegate plan of a pod's ADD, shared by ADD and `multus explain` so that both see
 * the same delegates, interface names, runtimeConfig and `CNI_ARGS`: the cluster network
 * and `defaultNetworks`, the pod's annotation networks, the auxiliary chain, then the
 * engine's plan, each error worded as Multus's ADD words it.
 *
 * ADD passes no problem list and gets the first error thrown. Explain passes one and gets
 * every error the ADD would meet; a network that cannot be resolved is planned as a
 * stand-in (listed in `unresolved`), so the networks after it keep their interface names.
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import {
  type DelegateConf,
  type K8sArgs,
  loadDelegate,
  type NetworkSelection,
  planPodNetworks,
  type PodNetworkPlan,
} from "../engine/multus.ts";
import { cmdErr } from "./errors.ts";
import {
  auxChainDelegate,
  clusterDelegates,
  podDelegates,
  type ResolveContext,
} from "./resolve.ts";

/** The engine's default-route check failure (Multus `CheckGatewayConfig`). */
const ECMP_MESSAGE = "multus does not support ECMP for default-route";

/** The runtime's side of the ADD: what kubelet's runtime passes in the CNI call. */
export interface AddCall {
  containerId: string;
  netns: string;
  ifName: string;
  /** `CNI_ARGS` as the runtime passed it. */
  cniArgs: string;
  k8s: K8sArgs;
  /** Each `CNI_ARGS` key once (the daemon); see `planPodNetworks`. */
  uniqueArgs: boolean;
}

/** The plan, and which of its delegates (by index) stand in for unresolved networks. */
export interface PodAddPlan {
  plan: PodNetworkPlan;
  unresolved: Set<number>;
}

/** The type a stand-in delegate names (never run: explain only describes it). */
export const UNRESOLVED_TYPE = "multus-explain-unresolved";

function standIn(ctx: ResolveContext, name: string, element?: NetworkSelection): DelegateConf {
  const text = JSON.stringify({ cniVersion: ctx.conf.cniVersion, name, type: UNRESOLVED_TYPE });
  return loadDelegate(text, element ? { element } : {});
}

/**
 * Resolves the pod's delegates and plans them for `call`.
 *
 * @throws {CniError} without `problems`, the first error, with Multus's prefixes
 *   (`Multus: [ns/name/uid]: error loading k8s delegates k8s args: ...`). With `problems`
 *   nothing is thrown for what the ADD would meet: each such error is appended there.
 */
export async function planPodAdd(
  ctx: ResolveContext,
  call: AddCall,
  problems?: CniError[],
): Promise<PodAddPlan> {
  const { k8s } = call;
  const unresolved = new Set<number>();
  const fail = (err: CniError): void => {
    if (!problems) throw err;
    problems.push(err);
  };
  let base: DelegateConf[];
  try {
    base = await clusterDelegates(ctx);
  } catch (err) {
    fail(cmdErr(k8s, err, "failed to get clusterNetwork/defaultNetworks: "));
    base = [standIn(ctx, "cluster-network")];
  }
  const loadError = (err: unknown): CniError =>
    cmdErr(k8s, err, "error loading k8s delegates k8s args: ");
  let delegates: DelegateConf[];
  const onError = (err: CniError, element: NetworkSelection): DelegateConf => {
    fail(loadError(err));
    return standIn(ctx, element.name, element);
  };
  try {
    delegates = await podDelegates(ctx, base, problems ? { onError } : {});
  } catch (err) {
    fail(loadError(err));
    delegates = base;
  }
  delegates.forEach((d, i) => {
    if (d.type === UNRESOLVED_TYPE) unresolved.add(i);
  });
  try {
    const aux = await auxChainDelegate(ctx);
    if (aux) delegates.push(aux);
  } catch (err) {
    fail(cmdErr(k8s, err));
  }
  const planError = (err: unknown): CniError => {
    // Go checks the gateways inside TryLoadPodDelegates, hence its wrapping.
    const ecmp = err instanceof CniError && err.message === ECMP_MESSAGE;
    return cmdErr(k8s, err, ecmp ? "error loading k8s delegates k8s args: " : "");
  };
  let plan: PodNetworkPlan;
  try {
    plan = planPodNetworks({
      conf: ctx.conf,
      containerId: call.containerId,
      netns: call.netns,
      ifName: call.ifName,
      cniArgs: call.cniArgs,
      k8sArgs: k8s,
      delegates,
      uniqueArgs: call.uniqueArgs,
      ...(problems ? { collect: true } : {}),
    });
  } catch (err) {
    throw planError(err);
  }
  for (const p of plan.problems ?? []) {
    fail(planError(new CniError(p.code, p.msg, p.details ? { details: p.details } : {})));
  }
  return { plan, unresolved };
}
