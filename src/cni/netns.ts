/**
 * The CNI check that a plugin is never handed its own network namespace (libcni's
 * `pkg/ns` `CheckNetNS`, which the skel runs on ADD and DEL; code 8): a delegate run
 * there would create or delete links on the node itself. Namespaces are compared by the
 * (device, inode) of their nsfs files, so `/proc/self/ns/net`, `/proc/<pid>/ns/net` and
 * a bind mount of the same namespace are all recognised.
 *
 * Unlike libcni, no failure passes silently: a `CNI_NETNS` that exists but cannot be read
 * is refused (code 8, naming the path and the reason), and so is an unreadable reference
 * namespace the caller requires. A `CNI_NETNS` that does not exist is not the plugin's
 * own: each command handles a missing namespace itself (ADD fails naming it, DEL has
 * nothing left to do in it).
 *
 * @module
 */
import { CniCode, CniError } from "./error.ts";
import type { NetnsId } from "../platform/netns.ts";

export type { NetnsId };

/** Reads a namespace file's identity; null when nothing is at the path. */
export type IdentifyNetns = (path: string) => Promise<NetnsId | null>;

/** A namespace `CNI_NETNS` must not be, and how to name it in an error. */
export interface NetnsReference {
  /** Its nsfs file, e.g. `/proc/self/ns/net`. */
  path: string;
  /** Words for the error's details, e.g. "the plugin's own network namespace". */
  what: string;
  /**
   * When it cannot be read: `refuse` (the default) fails every check with code 8;
   * `skip` leaves it out (reported once through `onSkip`).
   */
  unreadable?: "refuse" | "skip";
}

/** Options of {@linkcode netnsGuard}. */
export interface NetnsGuardOptions {
  identify: IdentifyNetns;
  references: readonly NetnsReference[];
  /** Told once about each reference left out because it could not be read. */
  onSkip?(reference: NetnsReference, reason: string): void;
}

/** The plugin process's own namespace: what libcni's skel compares `CNI_NETNS` with. */
export const OWN_NETNS: NetnsReference = {
  path: "/proc/self/ns/net",
  what: "the plugin's own network namespace",
};

/**
 * The node's namespace as the init process (PID 1) sees it, for a process that may run in
 * another one (the daemon: the shim's process is elsewhere). Left out, and reported, where
 * it cannot be read (no host PID namespace, or an init that is not dumpable).
 */
export const HOST_NETNS: NetnsReference = {
  path: "/proc/1/ns/net",
  what: "the host's network namespace (that of PID 1)",
  unreadable: "skip",
};

/** libcni's message for code 8 (skel), kept for scripts that match it. */
export const SAME_NETNS_MESSAGE = "plugin's netns and netns from CNI_NETNS should not be the same";

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Builds the check for one process: it throws when `netns` is one of `references`. The
 * references are read on the first check and remembered (a process's own namespace and
 * the host's do not change under it); an empty `netns` is never checked.
 *
 * @example Usage
 * ```ts ignore
 * const check = netnsGuard({
 *   identify: netnsIdentity,
 *   references: [{ path: "/proc/self/ns/net", what: "the plugin's own network namespace" }],
 * });
 * await check("/var/run/netns/pod1"); // resolves; "/proc/self/ns/net" would throw code 8
 * ```
 */
export function netnsGuard(opts: NetnsGuardOptions): (netns: string) => Promise<void> {
  type Resolved = { ref: NetnsReference; id: NetnsId } | { ref: NetnsReference; error: string };
  let resolved: Promise<Resolved[]> | undefined;
  const resolve = (): Promise<Resolved[]> =>
    resolved ??= Promise.all(opts.references.map(async (ref): Promise<Resolved> => {
      try {
        const id = await opts.identify(ref.path);
        return id ? { ref, id } : { ref, error: "it does not exist" };
      } catch (err) {
        return { ref, error: reasonOf(err) };
      }
    })).then((all) => {
      for (const r of all) {
        if ("error" in r && r.ref.unreadable === "skip") opts.onSkip?.(r.ref, r.error);
      }
      return all;
    });

  return async (netns: string): Promise<void> => {
    if (netns === "") return;
    let target: NetnsId | null;
    try {
      target = await opts.identify(netns);
    } catch (err) {
      throw new CniError(
        CniCode.InvalidNetns,
        `cannot check CNI_NETNS ${JSON.stringify(netns)}: ${reasonOf(err)}`,
        { cause: err },
      );
    }
    if (target === null) return;
    for (const r of await resolve()) {
      if ("error" in r) {
        if (r.ref.unreadable === "skip") continue;
        throw new CniError(
          CniCode.InvalidNetns,
          `cannot check CNI_NETNS ${
            JSON.stringify(netns)
          }: cannot read ${r.ref.what} (${r.ref.path}): ${r.error}`,
        );
      }
      if (r.id.dev === target.dev && r.id.ino === target.ino) {
        throw new CniError(CniCode.InvalidNetns, SAME_NETNS_MESSAGE, {
          details: `CNI_NETNS ${JSON.stringify(netns)} is ${r.ref.what} (${r.ref.path})`,
        });
      }
    }
  };
}

/** Whether `CNI_NETNS_OVERRIDE` (libcni skel: `1` or `true`) disables the check. */
export function netnsCheckOverridden(env: { CNI_NETNS_OVERRIDE?: string | undefined }): boolean {
  const v = (env.CNI_NETNS_OVERRIDE ?? "").toLowerCase();
  return v === "1" || v === "true";
}
