/**
 * CNI STATUS (CNI 1.1): readiness, then the cluster network's delegate is asked; its CNI
 * error passes through with its code (50/51); delegates below 1.1.0 are not asked.
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import { statusNetworkList } from "../cni/conflist.ts";
import { parseNetworkConfig } from "../engine/mod.ts";
import { loadConf, waitForReadiness } from "./config.ts";
import type { MultusDeps } from "./deps.ts";
import type { CommandOptions } from "./add.ts";
import { multusRuntime } from "./delegates.ts";
import { cmdErr } from "./errors.ts";
import { clusterDelegates } from "./resolve.ts";

/** The cluster network's delegate (no pod: no annotations, no defaultNetworks). */
export async function clusterMaster(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions,
): Promise<{ conf: ReturnType<typeof loadConf>; list: ReturnType<typeof parseNetworkConfig> }> {
  const conf = loadConf(args.stdinText, deps, opts.conf ?? {});
  let kube;
  try {
    kube = await deps.kube({ kubeconfig: conf.kubeconfig });
  } catch (err) {
    throw cmdErr(null, err, "error getting k8s client: ");
  }
  try {
    await waitForReadiness(conf, deps);
  } catch (err) {
    throw cmdErr(null, err);
  }
  const delegates = await clusterDelegates({ conf, kube, pod: null, deps }).catch((err) => {
    throw cmdErr(null, err, "failed to get clusterNetwork: ");
  });
  const master = delegates[0];
  if (!master) throw cmdErr(null, new Error("no cluster network delegate"));
  const list = parseNetworkConfig(master.bytes);
  if (master.isConflist && !JSON.parse(master.bytes).cniVersion) list.cniVersion = conf.cniVersion;
  return { conf, list };
}

/** Runs CNI STATUS. */
export async function cmdStatus(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions = {},
): Promise<void> {
  const { conf, list } = await clusterMaster(args, deps, opts);
  try {
    await statusNetworkList(list, multusRuntime(conf, deps, args.path));
  } catch (err) {
    if (err instanceof CniError && err.code !== 999) throw err;
    throw CniError.from(err).withPrefix("error in STATUS command: ");
  }
}
