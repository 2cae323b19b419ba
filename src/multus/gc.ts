/**
 * CNI GC (CNI 1.1). The runtime names the attachments that are still valid
 * (`cni.dev/valid-attachments`). Every libcni result cache entry under `cniDir` whose
 * container is not among them is stale: it is deleted with its own cached config (every
 * network, not only the cluster network's) and its scratch cache removed. Then GC goes
 * to the cluster network's plugins with the surviving attachments. Without a valid list
 * every cached attachment counts as valid (Go Multus's behaviour).
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import { delNetworkList, gcNetworkList } from "../cni/conflist.ts";
import { listCachedAttachments } from "../cni/cache.ts";
import type { GcAttachment } from "../cni/types.ts";
import { parseNetworkConfig } from "../engine/mod.ts";
import type { MultusDeps } from "./deps.ts";
import type { CommandOptions } from "./add.ts";
import { clusterMaster } from "./cmd_status.ts";
import { multusRuntime } from "./delegates.ts";
import { messageOf } from "./errors.ts";
import { removeScratchCache } from "./state.ts";

function runtimeValid(config: Record<string, unknown>): GcAttachment[] | null {
  const v = config["cni.dev/valid-attachments"] ?? config["cni.dev/attachments"];
  return Array.isArray(v) ? v as GcAttachment[] : null;
}

/** Runs CNI GC; every failure is reported together. */
export async function cmdGc(
  args: CmdArgs,
  deps: MultusDeps,
  opts: CommandOptions = {},
): Promise<void> {
  const { conf, list } = await clusterMaster(args, deps, opts);
  const rt = multusRuntime(conf, deps, args.path);
  const cached = await listCachedAttachments(deps.fs, conf.cniDir, {
    onSkip: (file, why) =>
      deps.logger.error(`gatherSavedDelegates: cannot read cache ${file}, skipped: ${why}`),
  });
  const valid = runtimeValid(args.config);
  const live = valid ? new Set(valid.map((a) => a.containerID)) : null;
  const errors: string[] = [];
  const stale = live ? cached.filter((e) => !live.has(e.containerId)) : [];
  for (const entry of stale) {
    try {
      await delNetworkList(parseNetworkConfig(entry.configText), {
        containerId: entry.containerId,
        netns: "",
        ifName: entry.ifName,
        args: entry.cniArgs ?? [],
        capabilityArgs: entry.capabilityArgs ?? {},
      }, rt);
      await removeScratchCache(deps.fs, conf.cniDir, entry.containerId);
      deps.logger.verbose(
        `GC: deleted stale attachment ${entry.networkName}/${entry.containerId}/${entry.ifName}`,
      );
    } catch (err) {
      errors.push(`${entry.networkName}/${entry.containerId}/${entry.ifName}: ${messageOf(err)}`);
    }
  }
  const keep = cached.filter((e) => !stale.includes(e)).map((e) => ({
    containerID: e.containerId,
    ifname: e.ifName,
  }));
  try {
    await gcNetworkList(list, keep, rt);
  } catch (err) {
    errors.push(messageOf(err));
  }
  if (errors.length > 0) {
    throw new CniError(CniError.from(errors[0]).code, `error in GC command: ${errors.join("; ")}`);
  }
}
