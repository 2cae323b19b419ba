/**
 * Network namespace facts read from the file system. Namespaces are never entered
 * in-process: delegates and `ip -n` subprocesses do that.
 *
 * @module
 */

/** What identifies a network namespace: the (device, inode) of its nsfs file. */
export interface NetnsId {
  dev: number;
  ino: number;
}

/**
 * The identity of the namespace file at `path` (a bind mount such as
 * `/var/run/netns/<name>`, or `/proc/<pid>/ns/net`), or null when nothing is there
 * (including `/proc/<pid>` of a process that is gone).
 *
 * @throws {Error} any other failure to stat it (permission, loop, name too long), with
 *   the path in the message.
 */
export async function netnsIdentity(path: string): Promise<NetnsId | null> {
  try {
    const s = await Deno.stat(path);
    return { dev: s.dev, ino: s.ino ?? 0 };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw err;
  }
}
