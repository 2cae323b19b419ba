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
import { cmdGc } from "./gc.ts";

/** ADD, DEL, CHECK, GC and STATUS over `deps`. */
export function multusFuncs(deps: MultusDeps, opts: CommandOptions = {}): PluginFuncs {
  return {
    add: (args) => cmdAdd(args, deps, opts),
    del: (args) => cmdDel(args, deps, opts),
    check: (args) => cmdCheck(args, deps, opts),
    gc: (args) => cmdGc(args, deps, opts),
    status: (args) => cmdStatus(args, deps, opts),
  };
}
