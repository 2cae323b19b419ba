/**
 * The daemon runs the same Multus commands as the thin plugin (one code path, no second
 * copy), with its own effects (informer-backed pods and NADs, events off the critical
 * path, delegates optionally chrooted) and the daemon config overlaid on every request.
 *
 * An ADD or DEL (`/cni` or `/delegate`) whose `CNI_NETNS` is the daemon's own network
 * namespace or the host's is refused with code 8 before anything runs, as the skel refuses
 * the plugin's own: the shim's process may be elsewhere, and a request may come from a
 * shim that does not check (`CNI_NETNS_OVERRIDE` skips it, as in libcni).
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import { netnsCheckOverridden } from "../cni/netns.ts";
import type { CniResult } from "../cni/types.ts";
import { cmdAdd, type CommandOptions } from "../multus/add.ts";
import { cmdCheck } from "../multus/check.ts";
import { cmdStatus } from "../multus/cmd_status.ts";
import { cmdDel } from "../multus/del.ts";
import type { MultusDeps } from "../multus/deps.ts";
import { cmdGc } from "../multus/gc.ts";
import type { CniRequest } from "./cni_request.ts";
import type { DaemonCommands } from "./handler.ts";
import { runDelegateRequest } from "./delegate_api.ts";
import { PodLocks } from "./pod_locks.ts";
import type { SandboxRecords } from "./sandbox_records.ts";
import { parseK8sArgs } from "../engine/multus.ts";

/** Options of {@linkcode daemonCommands}. */
export interface DaemonCommandsOptions {
  overlay: Record<string, unknown>;
  dropKeys: string[];
  /** Refuses the daemon's own and the host's namespace (see `cni/netns.ts`). */
  checkNetns?: (netns: string) => Promise<void>;
  /**
   * Serialises each pod's ADD, DEL, CHECK and `/delegate` calls with its hot-plugs; a DEL
   * aborts a hot-plug in progress (default: a lock set of its own).
   */
  locks?: PodLocks;
  /** Where a successful ADD is recorded for hot-plug (`dynamicNetworks`); none: not recorded. */
  records?: SandboxRecords;
}

/** The daemon's commands over `deps`, with the daemon config as overlay. */
export function daemonCommands(deps: MultusDeps, opts: DaemonCommandsOptions): DaemonCommands {
  const commandOptions: CommandOptions = {
    conf: { overlay: opts.overlay, dropKeys: opts.dropKeys },
    uniqueArgs: true,
  };
  const guard = async (req: CniRequest): Promise<void> => {
    if (
      (req.command === "ADD" || req.command === "DEL") && opts.checkNetns &&
      !netnsCheckOverridden(req.args.env)
    ) {
      await opts.checkNetns(req.args.netns);
    }
  };
  const locks = opts.locks ?? new PodLocks();
  const key = (req: CniRequest) => `${req.podNamespace}/${req.podName}`;
  const record = async (req: CniRequest): Promise<void> => {
    if (!opts.records) return;
    const { args } = req;
    let podUid = "";
    try {
      podUid = parseK8sArgs(args.args).podUid;
    } catch {
      // the ADD parsed them already
    }
    await opts.records.write({
      containerId: args.containerId,
      netns: args.netns,
      ifName: args.ifName,
      cniArgs: args.args,
      cniPath: args.path,
      stdinText: args.stdinText,
      podNamespace: req.podNamespace,
      podName: req.podName,
      podUid,
      addedAt: deps.now(),
    }).catch((err) =>
      deps.logger.error(
        `could not record sandbox ${args.containerId} for hot-plug: ${(err as Error).message}`,
      )
    );
  };
  return {
    async cni(req: CniRequest): Promise<CniResult | void> {
      const { args } = req;
      await guard(req);
      switch (req.command) {
        case "ADD":
          return await locks.run(key(req), async () => {
            try {
              const result = await cmdAdd(args, deps, commandOptions);
              await record(req);
              return result;
            } catch (err) {
              throw CniError.from(err).withPrefix(
                `error configuring pod [${req.podNamespace}/${req.podName}] networking: `,
              );
            }
          });
        case "DEL":
          // A DEL wins over a hot-plug of the same pod: it stops and rolls back first.
          locks.abortHotplugs(key(req));
          return await locks.run(key(req), async () => {
            try {
              return await cmdDel(args, deps, commandOptions);
            } finally {
              await opts.records?.remove(args.containerId).catch(() => {});
            }
          });
        case "CHECK":
          return await locks.run(key(req), () => cmdCheck(args, deps, commandOptions));
        case "GC":
          return await cmdGc(args, deps, commandOptions);
        case "STATUS":
          return await cmdStatus(args, deps, commandOptions);
      }
    },
    async delegate(req: CniRequest): Promise<CniResult | void> {
      await guard(req);
      return req.podName
        ? await locks.run(key(req), () => runDelegateRequest(req, deps, opts))
        : await runDelegateRequest(req, deps, opts);
    },
  };
}
