/**
 * CNI DEL (Multus `CmdDel`), best-effort, reverse-ordered, idempotent. It works with the
 * API server down and with the pod gone, because the delegates come from the scratch
 * cache. It posts no events. Every delegate's DEL is attempted; a real failure is reported to the runtime
 * (Go Multus swallows it). A namespace that no longer exists is not a failure: the
 * delegates are called with an empty `CNI_NETNS`, as runtimes do, so they only release
 * what lives outside it (IPAM).
 *
 * Where the delegates come from, in order:
 * 1. the scratch cache `<cniDir>/<containerID>`;
 * 2. missing or corrupt cache and the pod still exists: recomputed from the pod, as ADD did;
 * 3. otherwise: every libcni result cache entry of this container
 *    (`<cniDir>/results/*-<containerID>-*`), each of which holds its network's full config,
 *    so a corrupt scratch cache does not leak addresses (Go Multus returns success here
 *    without deleting anything, multus-cni #1087).
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import { delNetworkList } from "../cni/conflist.ts";
import { listCachedAttachments } from "../cni/cache.ts";
import { parseNetworkConfig } from "../engine/mod.ts";
import {
  decodeScratchCache,
  type DelegateConf,
  type K8sArgs,
  type MultusConf,
  parseK8sArgs,
  planPodNetworks,
} from "../engine/multus.ts";
import type { EventSink, MultusDeps, Pod } from "./deps.ts";
import { type CommandOptions, describeArgs } from "./add.ts";
import { loadConf } from "./config.ts";
import { delDelegate, multusRuntime } from "./delegates.ts";
import { cmdErr, messageOf } from "./errors.ts";
import { clusterDelegates, podDelegates } from "./resolve.ts";
import { readScratchCache, removeScratchCache } from "./state.ts";

/** What a DEL records: nothing. */
const NO_EVENTS: EventSink = { record: () => {}, flush: () => Promise.resolve() };

/** Runs CNI DEL. */
export async function cmdDel(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions = {},
): Promise<void> {
  const conf = loadConf(args.stdinText, deps, opts.conf ?? {});
  let k8s: K8sArgs;
  try {
    k8s = parseK8sArgs(args.args);
  } catch (err) {
    throw cmdErr(null, err, "error getting k8s args: ");
  }
  deps.logger.debug(`CmdDel: ${describeArgs(args)}`);
  const file = conf.readinessindicatorfile;
  if (file && !(await deps.fs.stat(file))) {
    deps.logger.verbose(`warning: readinessindicatorfile @ ${file} does not exist on CNI DEL`);
  }
  const cacheText = await readScratchCache(deps.fs, conf.cniDir, args.containerId);
  let delegates: DelegateConf[] | null = null;
  if (cacheText !== null) {
    try {
      delegates = decodeScratchCache(cacheText);
    } catch (err) {
      deps.logger.error(`Multus: failed to load the cached delegates: ${messageOf(err)}`);
    }
  }
  // The API is asked only when the cache cannot say what to delete: a DEL of a pod set up
  // by this node needs no API server at all (Go Multus always reads the pod first).
  if (delegates === null) delegates = await delegatesFromPod(conf, k8s, deps);
  const netnsGone = !(await deps.netns.exists(args.netns));
  const rt = multusRuntime(conf, deps, args.path);
  const errors: CniError[] = [];
  if (delegates === null) {
    await sweepResultCache(args, rt, netnsGone, deps, errors);
  } else {
    const plan = planPodNetworks({
      conf,
      containerId: args.containerId,
      netns: args.netns,
      ifName: args.ifName,
      cniArgs: args.args,
      k8sArgs: k8s,
      delegates,
      command: "DEL",
      uniqueArgs: !!opts.uniqueArgs,
    });
    for (const d of [...plan.delegates].reverse()) {
      deps.logger.verbose(
        `Del: ${k8s.podNamespace}:${k8s.podName}:${
          k8s.podUid || "unknownUID"
        }:${d.list.name}:${d.ifName}`,
      );
      try {
        await delDelegate(d, rt, { ...(netnsGone ? { netns: "" } : {}), deps });
      } catch (err) {
        errors.push(CniError.from(err));
      }
      if (d.deviceInfoFile) await deps.fs.remove(d.deviceInfoFile).catch(() => false);
    }
  }
  const keep = conf.retryDeleteOnError && errors.length > 0 &&
    !errors.some((e) => e.message.includes("no such file or directory"));
  if (cacheText !== null && !keep) await removeScratchCache(deps.fs, conf.cniDir, args.containerId);
  if (errors.length > 0) {
    throw new CniError(errors[0]!.code, `errors: ${errors.map((e) => e.message).join(" / ")}`);
  }
}

async function sweepResultCache(
  args: CmdArgs,
  rt: ReturnType<typeof multusRuntime>,
  netnsGone: boolean,
  deps: MultusDeps,
  errors: CniError[],
): Promise<void> {
  const entries = await listCachedAttachments(deps.fs, rt.cacheDir, {
    containerId: args.containerId,
    onSkip: (file, why) => deps.logger.error(`DEL: skipping result cache ${file}: ${why}`),
  });
  if (entries.length === 0) {
    deps.logger.verbose(`DEL: nothing cached for container ${args.containerId}; nothing to delete`);
    return;
  }
  // Secondary attachments first, the runtime's interface (the master) last.
  entries.sort((a, b) => Number(a.ifName === args.ifName) - Number(b.ifName === args.ifName));
  for (const entry of entries) {
    try {
      const list = parseNetworkConfig(entry.configText);
      await delNetworkList(list, {
        containerId: entry.containerId,
        netns: netnsGone ? "" : (entry.netns ?? args.netns),
        ifName: entry.ifName,
        args: entry.cniArgs ?? [],
        capabilityArgs: entry.capabilityArgs ?? {},
      }, rt);
      deps.logger.verbose(
        `DEL: deleted ${entry.networkName}/${entry.ifName} from the result cache`,
      );
    } catch (err) {
      errors.push(
        CniError.from(err).withPrefix(
          `DEL of cached attachment ${entry.networkName}/${entry.ifName}: `,
        ),
      );
    }
  }
}

/** The pod's delegates recomputed as ADD computes them, or null when the pod is gone. */
async function delegatesFromPod(
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
