/**
 * A process sitting in a network namespace, for the `/proc/<pid>/ns/net` form of
 * `CNI_NETNS` that cri-dockerd and other runtimes pass. Killed on dispose.
 *
 * @module
 */

/** A live process and the `/proc/<pid>/ns/net` path of its network namespace. */
export interface NetnsProcess extends AsyncDisposable {
  pid: number;
  /** `/proc/<pid>/ns/net`. */
  path: string;
  /** Kills the process (SIGKILL) and reaps it; `/proc/<pid>` is gone when this resolves. */
  kill(): Promise<void>;
}

/** The (dev, inode) of what `path` names, or null when it cannot be read. */
async function identity(path: string): Promise<string | null> {
  try {
    const s = await Deno.stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

async function spawnIn(
  argv: string[],
  entered: (path: string) => Promise<boolean>,
): Promise<NetnsProcess> {
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const path = `/proc/${child.pid}/ns/net`;
  let reaped = false;
  const kill = async (): Promise<void> => {
    if (reaped) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    reaped = true;
  };
  // The child enters the namespace (setns/unshare) and then execs `sleep`: wait for the
  // first, bounded, so no call sees the parent's namespace.
  for (let i = 0; i < 500; i++) {
    if (await entered(path)) return { pid: child.pid, path, kill, [Symbol.asyncDispose]: kill };
    await new Promise((r) => setTimeout(r, 10));
  }
  await kill();
  throw new Error(`${argv.join(" ")} did not enter its network namespace`);
}

/** `ip netns exec <name> sleep 600`: a process in the named namespace `name`. */
export async function processInNetns(name: string): Promise<NetnsProcess> {
  const want = await identity(`/var/run/netns/${name}`);
  if (want === null) throw new Error(`no network namespace ${name}`);
  return await spawnIn(
    ["ip", "netns", "exec", name, "sleep", "600"],
    async (path) => (await identity(path)) === want,
  );
}

/**
 * `unshare --net sleep 600`: a process in a namespace of its own that nothing else pins,
 * so the namespace goes away with the process, as a sandbox's does when its pause process
 * dies.
 */
export async function processInOwnNetns(): Promise<NetnsProcess> {
  const host = await identity("/proc/self/ns/net");
  return await spawnIn(["unshare", "--net", "sleep", "600"], async (path) => {
    const id = await identity(path);
    return id !== null && id !== host;
  });
}
