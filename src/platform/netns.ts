/**
 * Network namespace facts read from the file system. Namespaces are never entered
 * in-process: delegates and `ip -n` subprocesses do that.
 *
 * @module
 */

/**
 * Whether `path` is this process's own network namespace (libcni's code-8 check).
 * A path that does not exist is not ours.
 */
export async function isOwnNetns(path: string): Promise<boolean> {
  try {
    const [own, other] = await Promise.all([Deno.stat("/proc/self/ns/net"), Deno.stat(path)]);
    return own.dev === other.dev && own.ino === other.ino;
  } catch {
    return false;
  }
}
