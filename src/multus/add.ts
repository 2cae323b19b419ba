/**
 * CNI ADD (Multus `CmdAdd`), shared by the thin plugin and the daemon: config,
 * readiness, pod, delegates, plan, the scratch cache written before any delegate runs,
 * requested interface names checked before anything is attached, delegates in order,
 * default routes, one network-status write, then the `AddedInterface` events (only for an
 * ADD that succeeded). On any failure the delegates
 * already attempted are deleted in reverse order and the original error is returned
 * (cleanup failures go into its details). The master's result is returned.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import type { CniResult } from "../cni/types.ts";
import type { CniRuntime } from "../cni/conflist.ts";
import {
  buildNetworkStatus,
  emptyResult,
  type K8sArgs,
  type MultusConf,
  parseK8sArgs,
  type PlannedDelegate,
  type PodEvent,
  type StatusInput,
} from "../engine/multus.ts";
import { loadConf, type LoadConfOptions, waitForReadiness } from "./config.ts";
import type { KubeAccess, MultusDeps, Pod } from "./deps.ts";
import { addDelegate, delDelegate, multusRuntime } from "./delegates.ts";
import { describeArgs } from "./describe_args.ts";
import { addErr, cmdErr, messageOf } from "./errors.ts";
import { planPodAdd } from "./pod_plan.ts";
import { deviceTaker, type ResolveContext } from "./resolve.ts";
import { applyDefaultRoutes } from "./routes.ts";
import { copyDpDeviceInfo, statusInput, writeScratchCache } from "./state.ts";

/** Options of the Multus commands (thick mode passes the daemon's overlay). */
export interface CommandOptions {
  conf?: LoadConfOptions;
  /**
   * Delegates get each `CNI_ARGS` key once (the daemon; see `planPodNetworks`). The thin
   * plugin appends the runtime's pairs to Multus's, as Go Multus does.
   */
  uniqueArgs?: boolean;
}

/** Loads the config, the k8s args and the Kubernetes access every command starts with. */
export async function commandContext(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions,
): Promise<{ conf: MultusConf; k8s: K8sArgs; kube: KubeAccess | null }> {
  const conf = loadConf(args.stdinText, deps, opts.conf ?? {});
  let kube: KubeAccess | null;
  try {
    kube = await deps.kube({ kubeconfig: conf.kubeconfig });
  } catch (err) {
    throw cmdErr(null, err, "error getting k8s client: ");
  }
  let k8s: K8sArgs;
  try {
    k8s = parseK8sArgs(args.args);
  } catch (err) {
    throw cmdErr(null, err, "error getting k8s args: ");
  }
  return { conf, k8s, kube };
}

async function rollback(
  attempted: PlannedDelegate[],
  rt: CniRuntime,
  deps: MultusDeps,
): Promise<string[]> {
  const problems: string[] = [];
  for (const d of [...attempted].reverse()) {
    try {
      await delDelegate(d, rt, { deps });
    } catch (err) {
      problems.push(messageOf(err));
      deps.logger.error(`rollback of "${d.name}" (${d.ifName}) failed: ${messageOf(err)}`);
    }
  }
  return problems;
}

/** The pod namespace's link names, or why they could not be listed. */
type LinkListing = { names: string[] } | { error: unknown };

/**
 * Starts listing the links in `netns`. The listing (an `nsenter` child) runs while the pod
 * and its networks are resolved and planned, so it costs the ADD no wall time.
 */
function listLinks(netns: string, deps: MultusDeps): Promise<LinkListing> {
  return deps.netns.linkNames(netns).then((names) => ({ names }), (error) => ({ error }));
}

async function checkInterfaceNames(
  delegates: PlannedDelegate[],
  netns: string,
  k8s: K8sArgs,
  listing: Promise<LinkListing>,
): Promise<void> {
  const master = delegates[0];
  if (!master) return;
  const type = (d: PlannedDelegate): string => d.list.plugins[0]?.type ?? "";
  const listed = await listing;
  if ("error" in listed) {
    const err = listed.error;
    throw addErr(
      k8s,
      master.list.name,
      new CniError(
        CniCode.InvalidEnvironment,
        `DelegateAdd: cannot set "${
          type(master)
        }" interface name to "${master.ifName}": validateIfName: no net namespace ${netns} found: ${
          messageOf(err)
        }`,
      ),
    );
  }
  const existing = listed.names;
  for (const d of delegates) {
    if (!existing.includes(d.ifName)) continue;
    throw addErr(
      k8s,
      d.list.name,
      new CniError(
        d.isMaster ? CniCode.InvalidEnvironment : CniCode.InvalidNetworkConfig,
        `DelegateAdd: cannot set "${
          type(d)
        }" interface name to "${d.ifName}": validateIfName: interface name ${d.ifName} already exists`,
      ),
    );
  }
}

/**
 * Writes network-status; returns the `AddedInterface` events, to be recorded only once
 * the ADD has succeeded (events describe what happened: an ADD rolled back after a failed
 * status write attached nothing).
 */
async function writeStatus(
  kube: KubeAccess,
  pod: Pod,
  inputs: StatusInput[],
  deps: MultusDeps,
): Promise<PodEvent[]> {
  const { statuses, annotation, events } = buildNetworkStatus(inputs);
  if (statuses.length === 0) return events;
  const written = await kube.status.writeNetworkStatus(pod, annotation);
  if (!written) {
    deps.logger.verbose(
      `warning: tolerated failure writing network status (pod ${pod.metadata.namespace}/${pod.metadata.name} not found)`,
    );
  }
  return events;
}

/** Runs CNI ADD; returns the master delegate's result. */
export async function cmdAdd(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions = {},
): Promise<CniResult> {
  const { conf, k8s, kube } = await commandContext(args, deps, opts);
  deps.logger.debug(`CmdAdd: ${describeArgs(args)}`);
  try {
    return await addWithContext(args, deps, { conf, k8s, kube, uniqueArgs: !!opts.uniqueArgs });
  } finally {
    await kube?.events.flush();
  }
}

async function addWithContext(
  args: CmdArgs,
  deps: MultusDeps,
  { conf, k8s, kube, uniqueArgs }: {
    conf: MultusConf;
    k8s: K8sArgs;
    kube: KubeAccess | null;
    uniqueArgs: boolean;
  },
): Promise<CniResult> {
  try {
    await waitForReadiness(conf, deps);
  } catch (err) {
    throw cmdErr(k8s, err);
  }
  const links = listLinks(args.netns, deps);
  let pod: Pod | null = null;
  if (kube) {
    // Ours: Go's thin plugin asks the API for the pod "" and reports client-go's words;
    // name the missing argument as Multus's daemon does.
    for (
      const [key, value] of [["K8S_POD_NAMESPACE", k8s.podNamespace], ["K8S_POD_NAME", k8s.podName]]
    ) {
      if (!value) {
        throw cmdErr(
          null,
          new CniError(CniCode.InvalidEnvironment, `missing ${key}`),
          "error getting k8s args: ",
        );
      }
    }
    try {
      pod = await kube.pods.getPod(k8s.podNamespace, k8s.podName, {
        uid: k8s.podUid,
        isDel: false,
      });
    } catch (err) {
      throw cmdErr(k8s, err);
    }
    if (!pod) {
      deps.logger.verbose(
        `CmdAdd: Warning: pod [${k8s.podNamespace}/${k8s.podName}] not found, exiting with empty CNI result`,
      );
      return emptyResult({ cniVersion: conf.cniVersion, ifName: args.ifName, netns: args.netns });
    }
  }
  const ctx: ResolveContext = {
    conf,
    kube,
    pod,
    deps,
    ...(pod ? { takeDevice: deviceTaker(pod, deps, kube) } : {}),
  };
  const { plan } = await planPodAdd(ctx, {
    containerId: args.containerId,
    netns: args.netns,
    ifName: args.ifName,
    cniArgs: args.args,
    k8s,
    uniqueArgs,
  });
  try {
    await writeScratchCache(deps.fs, conf.cniDir, args.containerId, plan.scratchCache);
  } catch (err) {
    throw cmdErr(k8s, err, "error saving the delegates: ");
  }
  await checkInterfaceNames(plan.delegates, args.netns, k8s, links);

  const rt = multusRuntime(conf, deps, args.path);
  const inputs: StatusInput[] = [];
  let master: CniResult | undefined;
  for (const [i, d] of plan.delegates.entries()) {
    try {
      let result: CniResult;
      if (d.resourceName && d.deviceID) {
        const why = await copyDpDeviceInfo(deps.fs, d);
        if (why) deps.logger.debug(`cmdAdd: Failed to copy device-info file (${why})`);
      }
      try {
        result = await addDelegate(d, rt, deps);
      } catch (err) {
        throw addErr(k8s, d.list.name, err);
      }
      if (d.isMaster || master === undefined) master = result;
      if (deps.logger.enabled("verbose")) {
        deps.logger.verbose(
          `Add: ${k8s.podNamespace}:${k8s.podName}:${
            pod?.metadata.uid ?? "unknownUID"
          }:${d.name}(${d.list.name}):${d.ifName} ${JSON.stringify(result)}`,
        );
      }
      await applyDefaultRoutes(d, result, conf, deps).catch((err) => {
        throw cmdErr(k8s, err);
      });
      inputs.push(await statusInput(deps.fs, d, result));
    } catch (err) {
      const problems = await rollback(plan.delegates.slice(0, i + 1), rt, deps);
      throw withCleanup(CniError.from(err), problems);
    }
  }
  let events: PodEvent[] = [];
  if (kube && pod) {
    try {
      events = await writeStatus(kube, pod, inputs, deps);
    } catch (err) {
      const problems = await rollback(plan.delegates, rt, deps);
      throw withCleanup(cmdErr(k8s, err, "error setting the networks status: "), problems);
    }
  }
  if (!master) throw cmdErr(k8s, new CniError(CniCode.InvalidNetworkConfig, "no delegates to run"));
  if (kube && pod) { for (const event of events) kube.events.record(pod, event); }
  return master;
}

function withCleanup(err: CniError, problems: string[]): CniError {
  if (problems.length === 0) return err;
  const cleanup = `rollback: ${problems.join(" / ")}`;
  return new CniError(err.code, err.message, {
    details: err.details ? `${err.details}; ${cleanup}` : cleanup,
    cause: err,
  });
}
