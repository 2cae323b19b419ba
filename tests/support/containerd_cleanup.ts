/**
 * What a test's containerd can leave on the host when it is killed or a test fails, and
 * how {@linkcode startContainerd}'s dispose removes it: runtime shims and sandbox processes
 * (found by the shim's `-address`, never by name), their sockets in /run/containerd/s,
 * libcni's cache entries of the sandboxes, mounts under the temp dir, cgroups under the
 * fixture's cgroup parent.
 *
 * @module
 */

const decoder = new TextDecoder();

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function umount(args: string[]): Promise<void> {
  const out = await new Deno.Command("umount", {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(10_000),
  }).output();
  if (!out.success) throw new Error(decoder.decode(out.stderr));
}

/**
 * Removes libcni's cache entries (containerd's, in /var/lib/cni) of the sandboxes `ids`:
 * left when a DEL could not run (containerd gone, a failing plugin).
 */
export async function removeLibcniCache(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const dir = "/var/lib/cni/results";
  try {
    for await (const e of Deno.readDir(dir)) {
      if (ids.some((id) => e.name.includes(id))) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
      }
    }
  } catch {
    // no cache dir
  }
}

/** Processes as pid -> [ppid, cmdline]. */
async function processes(): Promise<Map<number, [number, string[]]>> {
  const out = new Map<number, [number, string[]]>();
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).split("\0");
      out.set(Number(e.name), [ppid, cmd]);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * Kills the runc shims serving this containerd (their `-address` is its socket) and the
 * sandbox processes under them, and removes their sockets in /run/containerd/s.
 */
export async function killShims(socket: string): Promise<string[]> {
  const procs = await processes();
  const shims = [...procs].filter(([, [, cmd]]) =>
    (cmd[0] ?? "").endsWith("containerd-shim-runc-v2") && cmd.includes(socket)
  );
  const ids: string[] = [];
  for (const [pid, [, cmd]] of shims) {
    for (const [child, [ppid]] of procs) {
      if (ppid === pid) await killPid(child);
    }
    await killPid(pid);
    const id = cmd[cmd.indexOf("-id") + 1];
    const ns = cmd[cmd.indexOf("-namespace") + 1];
    if (cmd.includes("-id") && id && ns) {
      ids.push(id);
      const bytes = new TextEncoder().encode(`${socket}/${ns}/${id}`);
      const hex = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      await Deno.remove(`/run/containerd/s/${hex}`).catch(() => {});
    }
  }
  return ids;
}

async function killPid(pid: number): Promise<void> {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    if (!(await Deno.stat(`/proc/${pid}`).then(() => true, () => false))) return;
    await sleep(20);
  }
}

/** Unmounts every mount point under `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await Deno.readTextFile("/proc/self/mountinfo").catch(() => "");
  const points = mountinfo.split("\n").map((l) => l.split(" ")[4] ?? "")
    .map((p) => p.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    await umount([p]).catch(() => umount(["-l", p])).catch(() => {});
  }
}

/** Removes the cgroup `parent` (and what runc left under it) in every v1 hierarchy. */
export async function removeCgroups(parent: string): Promise<void> {
  const hierarchies: string[] = [];
  try {
    for await (const e of Deno.readDir("/sys/fs/cgroup")) {
      if (e.isDirectory) hierarchies.push(`/sys/fs/cgroup/${e.name}`);
    }
  } catch {
    // no cgroup fs
  }
  hierarchies.push("/sys/fs/cgroup");
  for (const h of hierarchies) {
    const top = `${h}${parent}`;
    const kids: string[] = [];
    try {
      for await (const e of Deno.readDir(top)) if (e.isDirectory) kids.push(`${top}/${e.name}`);
    } catch {
      continue;
    }
    for (const k of kids) await Deno.remove(k).catch(() => {});
    await Deno.remove(top).catch(() => {});
  }
}
