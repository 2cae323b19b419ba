/**
 * The Multus commands as a CNI plugin (the thin plugin's skel callbacks).
 *
 * @module
 */
import type { PluginFuncs } from "../cni/skel.ts";
import { cmdAdd, type CommandOptions } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdStatus } from "./cmd_status.ts";
import { cmdDel } from "./del.ts";
import type { MultusDeps } from "./deps.ts";
import { messageOf } from "./errors.ts";
import { cmdGc } from "./gc.ts";

/** Runs `command`, logging its failure at error level first (as Multus's `Errorf`). */
async function logged<T>(deps: MultusDeps, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    deps.logger.error(messageOf(err));
    throw err;
  }
}

/** ADD, DEL, CHECK, GC and STATUS over `deps`; every failure is also logged. */
export function multusFuncs(deps: MultusDeps, opts: CommandOptions = {}): PluginFuncs {
  return {
    add: (args) => logged(deps, () => cmdAdd(args, deps, opts)),
    del: (args) => logged(deps, () => cmdDel(args, deps, opts)),
    check: (args) => logged(deps, () => cmdCheck(args, deps, opts)),
    gc: (args) => logged(deps, () => cmdGc(args, deps, opts)),
    status: (args) => logged(deps, () => cmdStatus(args, deps, opts)),
  };
}
