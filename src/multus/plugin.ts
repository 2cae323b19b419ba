/**
 * The Multus commands as a CNI plugin (the thin plugin's skel callbacks). Each command's
 * module is imported when that command runs: a DEL served from the scratch cache never
 * loads ADD's resolver, the API client or the status writer.
 *
 * @module
 */
import type { CmdArgs, PluginFuncs } from "../cni/skel.ts";
import type { CommandOptions } from "./add.ts";
import type { MultusDeps } from "./deps.ts";
import { messageOf } from "./errors.ts";
import { importLazily } from "../platform/lazy_import.ts";

/** Runs `command`, logging its failure at error level first (as Multus's `Errorf`). */
async function logged<T>(deps: MultusDeps, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    deps.logger.error(messageOf(err));
    throw err;
  }
}

type Command<T> = (args: CmdArgs, deps: MultusDeps, opts: CommandOptions) => Promise<T>;

/** ADD, DEL, CHECK, GC and STATUS over `deps`; every failure is also logged. */
export function multusFuncs(deps: MultusDeps, opts: CommandOptions = {}): PluginFuncs {
  const run = <T>(load: () => Promise<Command<T>>) => (args: CmdArgs): Promise<T> =>
    logged(deps, async () => (await load())(args, deps, opts));
  return {
    add: run(async () =>
      (await importLazily<typeof import("./add.ts")>(new URL("./add.ts", import.meta.url))).cmdAdd
    ),
    del: run(async () =>
      (await importLazily<typeof import("./del.ts")>(new URL("./del.ts", import.meta.url))).cmdDel
    ),
    check: run(async () =>
      (await importLazily<typeof import("./check.ts")>(new URL("./check.ts", import.meta.url)))
        .cmdCheck
    ),
    gc: run(async () =>
      (await importLazily<typeof import("./gc.ts")>(new URL("./gc.ts", import.meta.url))).cmdGc
    ),
    status: run(async () =>
      (await importLazily<typeof import("./cmd_status.ts")>(
        new URL("./cmd_status.ts", import.meta.url),
      )).cmdStatus
    ),
  };
}
