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
  parseK8sArgs,
  planPodNetworks,
} from "../engine/multus.ts";
import type { MultusDeps } from "./deps.ts";
import type { CommandOptions } from "./add.ts";
import { loadConf } from "./config.ts";
import { delDelegate, multusRuntime } from "./delegates.ts";
import { describeArgs } from "./describe_args.ts";
import { cmdErr, messageOf } from "./errors.ts";
import { readScratchCache, removeScratchCache } from "./state.ts";
import { importLazily } from "../platform/lazy_import.ts";

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
  if (delegates === null) {
    const { delegatesFromPod } = await importLazily<typeof import("./pod_delegates.ts")>(
      new URL("./pod_delegates.ts", import.meta.url),
    );
    delegates = await delegatesFromPod(conf, k8s, deps);
  }
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
