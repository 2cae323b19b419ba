/**
 * Hot-plug: bringing a running pod's attachments in line with its networks annotation.
 * The sandbox is the one a recorded ADD set up (its container ID, netns, interface,
 * `CNI_ARGS`, `CNI_PATH` and Multus config); the delegates come from the same resolution
 * and the same engine plan an initial ADD uses, so an added attachment gets exactly the
 * config, runtimeConfig and `CNI_ARGS` it would have got at ADD, and a removed one is
 * deleted as a pod DEL would delete it.
 *
 * Order of work: the scratch cache is widened to the union first (a crash or a pod DEL
 * in the middle then cleans everything), new attachments are added in annotation order
 * (any failure, or `signal` aborting, rolls them back and restores the cache: the pod is
 * left as it was), then removed ones are deleted in reverse order, the cache is narrowed,
 * network-status is written once, and the events are recorded.
 *
 * @module
 */
import { readCachedResult } from "../cni/cache.ts";
import { CniCode, CniError } from "../cni/error.ts";
import type { CniResult } from "../cni/types.ts";
import {
  buildNetworkStatus,
  decodeScratchCache,
  type DelegateConf,
  parseK8sArgs,
  type PlannedDelegate,
  planPodNetworks,
  type PodEvent,
  type StatusInput,
} from "../engine/multus.ts";
import { loadConf, type LoadConfOptions } from "./config.ts";
import type { MultusDeps, Pod } from "./deps.ts";
import { addDelegate, delDelegate, multusRuntime } from "./delegates.ts";
import { messageOf, pluginErr } from "./errors.ts";
import { diffAttachments, type RecordedAttachment } from "./hotplug_diff.ts";
import { clusterDelegates, deviceTaker, podDelegates } from "./resolve.ts";
import { applyDefaultRoutes } from "./routes.ts";
import { readScratchCache, statusInput, writeScratchCache } from "./state.ts";

/** The sandbox as its ADD saw it. */
export interface SandboxRef {
  containerId: string;
  netns: string;
  /** The runtime's interface (`CNI_IFNAME`, the master's). */
  ifName: string;
  /** `CNI_ARGS` of the ADD. */
  cniArgs: string;
  /** `CNI_PATH` of the ADD. */
  cniPath: string;
  /** The Multus config the ADD got on stdin. */
  stdinText: string;
}

/** One attachment added or removed. */
export interface HotplugAttachment {
  network: string;
  ifName: string;
}

/** What a hot-plug did. */
export type HotplugOutcome =
  | { kind: "unchanged" }
  | { kind: "refused"; reason: string }
  | { kind: "changed"; added: HotplugAttachment[]; removed: HotplugAttachment[] };

/** Options of {@linkcode hotplug}. */
export interface HotplugOptions {
  conf?: LoadConfOptions;
  uniqueArgs?: boolean;
  /** Aborted by a DEL of the same pod: stop, roll back, leave the pod to the DEL. */
  signal?: AbortSignal;
}

/** The abort error a hot-plug stopped by its pod's DEL throws. */
export class HotplugAborted extends Error {
  /** The hot-plug stopped at `step`. */
  constructor(step: string) {
    super(`hot-plug stopped (${step}): the pod is being deleted`);
    this.name = "HotplugAborted";
  }
}

/**
 * Adds and removes the pod's attachments so that they match its annotation.
 *
 * @throws {CniError} the plugin's error when an attachment cannot be added (rolled back);
 *   {@linkcode HotplugAborted} when `signal` aborts.
 */
export async function hotplug(
  sandbox: SandboxRef,
  pod: Pod,
  deps: MultusDeps,
  opts: HotplugOptions = {},
): Promise<HotplugOutcome> {
  const conf = loadConf(sandbox.stdinText, deps, opts.conf ?? {});
  const kube = await deps.kube({ kubeconfig: conf.kubeconfig });
  if (!kube) return { kind: "refused", reason: "no Kubernetes access" };
  const k8s = parseK8sArgs(sandbox.cniArgs);
  const cacheText = await readScratchCache(deps.fs, conf.cniDir, sandbox.containerId);
  if (cacheText === null) {
    return {
      kind: "refused",
      reason:
        `the sandbox ${sandbox.containerId} of pod ${pod.metadata.namespace}/${pod.metadata.name} is unknown on this node (no cached attachments)`,
    };
  }
  const recordedAll = decodeScratchCache(cacheText);
  const planOf = (delegates: DelegateConf[], command: "ADD" | "DEL") =>
    planPodNetworks({
      conf,
      containerId: sandbox.containerId,
      netns: sandbox.netns,
      ifName: sandbox.ifName,
      cniArgs: sandbox.cniArgs,
      k8sArgs: k8s,
      delegates,
      command,
      uniqueArgs: !!opts.uniqueArgs,
    });
  const recordedPlan = planOf(recordedAll, "DEL").delegates;

  const ctx = { conf, kube, pod, deps, takeDevice: deviceTaker(pod, deps, kube) };
  const base = await clusterDelegates(ctx);
  const desiredAll = await podDelegates(ctx, base);
  // The auxiliary chain, when the ADD ran one, stays last.
  const hasAux = conf.auxiliaryCNIChainName !== "" && recordedAll.length > base.length &&
    recordedAll.at(-1)?.confName === conf.auxiliaryCNIChainName;
  const recordedEnd = recordedAll.length - (hasAux ? 1 : 0);
  const recorded: RecordedAttachment[] = recordedAll.slice(base.length, recordedEnd).map((
    delegate,
    i,
  ) => ({ delegate, ifName: recordedPlan[base.length + i]!.ifName }));
  const diff = diffAttachments({
    recordedBase: recordedAll.slice(0, base.length).map((d) => d.name),
    desiredBase: desiredAll.slice(0, base.length).map((d) => d.name),
    recorded,
    desired: desiredAll.slice(base.length),
    reserved: recordedPlan.slice(0, base.length).map((d) => d.ifName),
  });
  if (diff.kind === "refused") return diff;
  if (diff.added.length === 0 && diff.removed.length === 0) return { kind: "unchanged" };

  const head = recordedAll.slice(0, base.length);
  const tail = recordedAll.slice(recordedEnd);
  const finalList = [...head, ...diff.secondaries, ...tail];
  const finalPlan = planOf(finalList, "ADD");
  const removedPinned = diff.removed.map((r) => ({ ...r.delegate, ifnameRequest: r.ifName }));
  const union = planOf([...head, ...diff.secondaries, ...removedPinned, ...tail], "DEL");
  const planned = (i: number): PlannedDelegate => finalPlan.delegates[base.length + i]!;
  const toAdd = diff.added.map(planned);
  const toRemove = planOf([...head, ...removedPinned], "DEL").delegates.slice(base.length);

  const existing = await deps.netns.linkNames(sandbox.netns);
  for (const d of toAdd) {
    if (existing.includes(d.ifName)) {
      throw new CniError(
        CniCode.InvalidNetworkConfig,
        `cannot add network "${d.name}" as ${d.ifName}: interface name ${d.ifName} already exists in ${sandbox.netns}`,
      );
    }
  }

  const rt = multusRuntime(conf, deps, sandbox.cniPath);
  const checkAbort = (step: string): void => {
    if (opts.signal?.aborted) throw new HotplugAborted(step);
  };
  checkAbort("before it began");
  await writeScratchCache(deps.fs, conf.cniDir, sandbox.containerId, union.scratchCache);
  const results = new Map<string, CniResult>();
  const attempted: PlannedDelegate[] = [];
  try {
    for (const d of toAdd) {
      checkAbort(`before adding ${d.ifName}`);
      attempted.push(d);
      let result: CniResult;
      try {
        result = await addDelegate(d, rt, deps);
      } catch (err) {
        throw pluginErr(k8s, d.list.name, err, `error adding container to network "${d.name}": `);
      }
      await applyDefaultRoutes(d, result, conf, deps);
      results.set(d.ifName, result);
    }
    checkAbort("after adding");
  } catch (err) {
    const problems: string[] = [];
    for (const d of attempted.reverse()) {
      await delDelegate(d, rt, { deps }).catch((e) => problems.push(messageOf(e)));
    }
    await writeScratchCache(deps.fs, conf.cniDir, sandbox.containerId, cacheText);
    if (err instanceof HotplugAborted || problems.length === 0) throw err;
    const e = CniError.from(err);
    throw new CniError(e.code, e.message, {
      details: `rollback: ${problems.join(" / ")}`,
      cause: e,
    });
  }

  const failedRemovals: PlannedDelegate[] = [];
  for (const d of [...toRemove].reverse()) {
    try {
      await delDelegate(d, rt, { deps });
      if (d.deviceInfoFile) await deps.fs.remove(d.deviceInfoFile).catch(() => false);
    } catch (err) {
      deps.logger.error(`hot-unplug of ${d.name} (${d.ifName}) failed: ${messageOf(err)}`);
      failedRemovals.push(d);
    }
  }
  const kept = failedRemovals.map((d) => removedPinned[toRemove.indexOf(d)]!);
  const cache = kept.length === 0
    ? finalPlan.scratchCache
    : planOf([...head, ...diff.secondaries, ...kept, ...tail], "DEL").scratchCache;
  await writeScratchCache(deps.fs, conf.cniDir, sandbox.containerId, cache);

  const inputs: StatusInput[] = [];
  for (const d of finalPlan.delegates) {
    const result = results.get(d.ifName) ?? (await readCachedResult(deps.fs, conf.cniDir, {
      networkName: d.list.name,
      containerId: sandbox.containerId,
      ifName: d.ifName,
    }).catch(() => null))?.result;
    if (!result) continue;
    inputs.push(await statusInput(deps.fs, d, result));
  }
  const { annotation, events } = buildNetworkStatus(inputs);
  try {
    await kube.status.writeNetworkStatus(pod, annotation);
  } catch (err) {
    // The attachments did change: say so rather than report the change as failed.
    deps.logger.error(`hot-plug: writing network-status failed: ${messageOf(err)}`);
    kube.events.record(pod, {
      type: "Warning",
      reason: "NetworkStatusFailed",
      message: `network-status could not be updated after a hot-plug: ${messageOf(err)}`,
    });
  }
  const added = new Set(toAdd.map((d) => d.ifName));
  for (const e of events) {
    if ([...added].some((name) => e.message.startsWith(`Add ${name} `))) kube.events.record(pod, e);
  }
  const removed = toRemove.filter((d) => !failedRemovals.includes(d));
  for (const d of removed) kube.events.record(pod, removedEvent(d));
  for (const d of failedRemovals) {
    kube.events.record(pod, {
      type: "Warning",
      reason: "RemoveInterfaceFailed",
      message:
        `Remove ${d.ifName} from ${d.name} failed; it stays attached until the pod is deleted`,
    });
  }
  return {
    kind: "changed",
    added: toAdd.map((d) => ({ network: d.name, ifName: d.ifName })),
    removed: removed.map((d) => ({ network: d.name, ifName: d.ifName })),
  };
}

function removedEvent(d: PlannedDelegate): PodEvent {
  return {
    type: "Normal",
    reason: "RemovedInterface",
    message: `Remove ${d.ifName} from ${d.name}`,
  };
}
