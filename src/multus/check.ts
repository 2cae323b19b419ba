/**
 * CNI CHECK: verifies every attached network recorded in the scratch cache, the cluster
 * network included, each with its cached result (Go Multus checks only the static
 * `delegates` of the config, so with `clusterNetwork` it checks nothing).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import { decodeScratchCache, planPodNetworks } from "../engine/multus.ts";
import type { MultusDeps } from "./deps.ts";
import { commandContext, type CommandOptions } from "./add.ts";
import { checkDelegate, multusRuntime } from "./delegates.ts";
import { cmdErr } from "./errors.ts";
import { readScratchCache } from "./state.ts";

/** Runs CNI CHECK; the first failing delegate's error is returned. */
export async function cmdCheck(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions = {},
): Promise<void> {
  const { conf, k8s } = await commandContext(args, deps, opts);
  const text = await readScratchCache(deps.fs, conf.cniDir, args.containerId);
  if (text === null) {
    throw cmdErr(
      k8s,
      new CniError(
        CniCode.UnknownContainer,
        `no cached delegates for container ${args.containerId} in ${conf.cniDir}: it was not added by multus, so there is nothing to check`,
      ),
    );
  }
  const delegates = (() => {
    try {
      return decodeScratchCache(text);
    } catch (err) {
      throw cmdErr(k8s, err);
    }
  })();
  const plan = planPodNetworks({
    conf,
    containerId: args.containerId,
    netns: args.netns,
    ifName: args.ifName,
    cniArgs: args.args,
    k8sArgs: k8s,
    delegates,
    command: "CHECK",
    uniqueArgs: !!opts.uniqueArgs,
  });
  const rt = multusRuntime(conf, deps, args.path);
  for (const d of plan.delegates) await checkDelegate(d, rt, deps);
}
