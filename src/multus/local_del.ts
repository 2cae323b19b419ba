/**
 * The shim's DEL when the daemon does not answer: it runs Multus's DEL itself, on the
 * node, from the node's caches, so a sandbox torn down while the daemon is down (a
 * rollout, an OOM kill, a stopped process) leaves no IP lease and no cache entry behind.
 *
 * It is the thin plugin's DEL (one code path, no second copy) over the shim's config,
 * with what thick mode changes: no Kubernetes access (the shim has none; the delegates
 * come from the scratch cache `<cniDir>/<containerID>`, or else from libcni's result
 * cache, which together hold every attachment's full config), each `CNI_ARGS` key once
 * as the daemon sends them, and delegates run directly on the host, where the daemon
 * would have run them chrooted into the host's root. A delegate's DEL failure is
 * reported as the daemon would report it.
 *
 * The shim's entry points hand it to the shim, which loads it only when the daemon does
 * not answer (see `importLazily`): the shim's per-pod path never pays for the engine or
 * the orchestration, and the shim layer itself stays a client of the daemon.
 *
 * @module
 */
import type { CmdArgs } from "../cni/skel.ts";
import type { Logger } from "../platform/log.ts";
import { cmdDel } from "./del.ts";
import type { MultusDeps } from "./deps.ts";
import { nodeDeps } from "./node_deps.ts";

/** The local DEL's effects over the real node, with no Kubernetes access. */
export function localDelDeps(logger: Logger): MultusDeps {
  return nodeDeps(logger, () => Promise.resolve(null));
}

/**
 * Runs DEL for `args` on this node.
 *
 * A shim config names the cluster network (the generated `00-multus.conf` always does);
 * one that names none is given a placeholder, because a DEL takes its delegates from the
 * caches and never resolves it.
 *
 * @throws {CniError} the delegates' DEL failures, as the daemon reports them.
 */
export async function runLocalDel(args: CmdArgs, deps: MultusDeps): Promise<void> {
  const c = args.config;
  const named = (typeof c.clusterNetwork === "string" && c.clusterNetwork !== "") ||
    Array.isArray(c.delegates);
  const conf = named ? {} : { overlay: { clusterNetwork: "multus-shim-local-del" } };
  await cmdDel(args, deps, { conf, uniqueArgs: true });
}
