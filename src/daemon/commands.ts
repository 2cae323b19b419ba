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

/** The daemon's commands over `deps`, with the daemon config as overlay. */
export function daemonCommands(
  deps: MultusDeps,
  opts: {
    overlay: Record<string, unknown>;
    dropKeys: string[];
    /** Refuses the daemon's own and the host's namespace (see `cni/netns.ts`). */
    checkNetns?: (netns: string) => Promise<void>;
  },
): DaemonCommands {
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
  return {
    async cni(req: CniRequest): Promise<CniResult | void> {
      const { args } = req;
      await guard(req);
      switch (req.command) {
        case "ADD":
          try {
            return await cmdAdd(args, deps, commandOptions);
          } catch (err) {
            throw CniError.from(err).withPrefix(
              `error configuring pod [${req.podNamespace}/${req.podName}] networking: `,
            );
          }
        case "DEL":
          return await cmdDel(args, deps, commandOptions);
        case "CHECK":
          return await cmdCheck(args, deps, commandOptions);
        case "GC":
          return await cmdGc(args, deps, commandOptions);
        case "STATUS":
          return await cmdStatus(args, deps, commandOptions);
      }
    },
    async delegate(req: CniRequest): Promise<CniResult | void> {
      await guard(req);
      return await runDelegateRequest(req, deps, opts);
    },
  };
}
