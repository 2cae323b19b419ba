/**
 * The shim's DEL on the node (`local_del.ts`), loaded only when a DEL finds the daemon
 * not answering. The shim's entry points hand it to the shim (`runShim`), so that the
 * shim layer stays a client of the daemon and its per-pod start-up loads nothing more
 * than this module.
 *
 * @module
 */
import type { CmdArgs } from "../cni/skel.ts";
import type { Logger } from "../platform/log.ts";
import { importLazily } from "../platform/lazy_import.ts";

/** Runs DEL for `args` on this node, logging to the shim's `logger`. */
export async function delOnNode(args: CmdArgs, logger: Logger): Promise<void> {
  const m = await importLazily<typeof import("./local_del.ts")>(
    new URL("./local_del.ts", import.meta.url),
  );
  await m.runLocalDel(args, m.localDelDeps(logger));
}
