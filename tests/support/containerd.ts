/**
 * Debian's containerd as a node runs it, private to one test: its own `root`, `state`,
 * gRPC and ttrpc sockets in a temp dir, the CRI plugin's CNI `bin_dir` and `conf_dir` there
 * too, overlayfs, cgroupfs (`SystemdCgroup = false`), `restrict_oom_score_adj = true` (root
 * here lacks CAP_SYS_RESOURCE: without it every sandbox fails with `can't get final
 * child's PID from pipe: EOF`), sandbox netns mounted under the state dir, and a pause
 * image built from source and imported with `ctr` as the `sandbox_image`.
 *
 * A missing containerd, runc or ctr fails the fixture with what to install: the tier never
 * skips. Dispose removes every sandbox through CRI (bounded), stops containerd (SIGKILL
 * after 10 s), kills the runtime shims and sandbox processes it left, removes their libcni
 * cache entries, unmounts what is mounted under the temp dir, removes the cgroups under the
 * fixture's cgroup parent, the shim sockets and the temp dir, even after a failure.
 *
 * @module
 */
import { type CriClient, criClient } from "./cri_client.ts";
import { buildPauseImage, PAUSE_BASE_NAME, PAUSE_IMAGE } from "./pause_image.ts";
import { uniqueName } from "./netns.ts";
import { killShims, removeCgroups, removeLibcniCache, unmountUnder } from "./containerd_cleanup.ts";

/** The binaries the tier runs (Debian's `containerd` and `runc`, scripts/bootstrap.sh). */
export const CONTAINERD_BINARIES = [
  "/usr/bin/containerd",
  "/usr/bin/containerd-shim-runc-v2",
  "/usr/bin/ctr",
  "/usr/sbin/runc",
];

/** A running containerd. */
export interface Containerd extends AsyncDisposable {
  dir: string;
  /** The gRPC socket (CRI is served there). */
  socket: string;
  /** CRI `cni.bin_dir`: every plugin a config names must be in it. */
  cniBinDir: string;
  /** CRI `cni.conf_dir`. */
  cniConfDir: string;
  /** The `cgroup_parent` to give sandboxes (removed on dispose). */
  cgroupParent: string;
  cri: CriClient;
  /** containerd's log so far (its last MiB). */
  log(): string;
}

const decoder = new TextDecoder();

/** Throws naming what to install when a binary of the tier (`binaries`) is missing. */
export async function requireContainerd(binaries = CONTAINERD_BINARIES): Promise<void> {
  const missing: string[] = [];
  for (const bin of binaries) {
    const st = await Deno.stat(bin).catch(() => null);
    if (!st?.isFile || ((st.mode ?? 0) & 0o111) === 0) missing.push(bin);
  }
  if (missing.length > 0) {
    throw new Error(
      `the runtime tier needs Debian's containerd and runc; missing: ${missing.join(", ")} ` +
        "(scripts/bootstrap.sh installs them; apt-get install containerd runc)",
    );
  }
}

function configToml(dir: string, socket: string, binDir: string, confDir: string): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = "${socket}"

[ttrpc]
  address = "${socket}.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${binDir}"
  conf_dir = "${confDir}"
  max_conf_num = 1
`;
}

async function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const text = decoder.decode(out.stdout) + decoder.decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}: ${text.trim()}`);
  return text;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** A mount of `mountinfo` (proc(5)'s format): its point, file system type and super options. */
interface MountEntry {
  point: string;
  fstype: string;
  options: string[];
}

function mountsUnderCgroup(mountinfo: string): MountEntry[] {
  return mountinfo.split("\n").flatMap((line) => {
    const [left, right] = line.split(" - ");
    const point = left?.split(" ")[4] ?? "";
    const [fstype = "", , superOptions = ""] = (right ?? "").split(" ");
    return point === "/sys/fs/cgroup" || point.startsWith("/sys/fs/cgroup/")
      ? [{ point, fstype, options: superOptions.split(",") }]
      : [];
  });
}

const isCgroup = (m: MountEntry): boolean => m.fstype === "cgroup" || m.fstype === "cgroup2";

/**
 * Gives `/sys/fs/cgroup` the machine's cgroup mounts when nothing is mounted there, as a node
 * always has them (runc refuses to start a container without: `no cgroup mount found in
 * mountinfo`). A machine root set up by hand (a chroot with a bare sysfs) lacks them: the
 * hierarchies the machine's init has (v1 or v2) are mounted again at the same places (a v1
 * hierarchy mounted with the same controllers is the same hierarchy), else one cgroup2
 * mount is made. They stay for the rest of the process, whose other fixtures may need them.
 */
async function ensureCgroupMount(): Promise<void> {
  if (mountsUnderCgroup(await Deno.readTextFile("/proc/self/mountinfo")).some(isCgroup)) return;
  const init = mountsUnderCgroup(await Deno.readTextFile("/proc/1/mountinfo").catch(() => ""));
  if (!init.some(isCgroup)) {
    await run("mount", ["-t", "cgroup2", "none", "/sys/fs/cgroup"]);
    return;
  }
  for (const m of init) {
    await Deno.mkdir(m.point, { recursive: true }).catch(() => {});
    if (m.fstype === "tmpfs" && m.point === "/sys/fs/cgroup") {
      await run("mount", ["-t", "tmpfs", "-o", "mode=755", "tmpfs", m.point]);
    } else if (m.fstype === "cgroup2") {
      await run("mount", ["-t", "cgroup2", "none", m.point]);
    } else if (m.fstype === "cgroup") {
      const opts = m.options.filter((o) => o !== "rw" && o !== "ro");
      if (opts.every((o) => o.startsWith("name=") || o === "xattr")) opts.unshift("none");
      await run("mount", ["-t", "cgroup", "-o", opts.join(","), "cgroup", m.point]);
    }
  }
}

/**
 * Starts containerd in a fresh temp dir with an empty CNI bin and conf dir (fill them before
 * the first RunPodSandbox), imports the pause image and waits until CRI answers and knows
 * the image. Requires root.
 */
export async function startContainerd(): Promise<Containerd> {
  await requireContainerd();
  await ensureCgroupMount();
  const dir = await Deno.makeTempDir({ prefix: "cnitest-cri-" });
  const socket = `${dir}/containerd.sock`;
  const cniBinDir = `${dir}/cni-bin`;
  const cniConfDir = `${dir}/net.d`;
  const cgroupParent = `/cnitest-${uniqueName("")}`;
  let log = "";
  let child: Deno.ChildProcess | null = null;
  let exited: Promise<Deno.CommandStatus> | null = null;
  const cri = criClient(socket, { timeoutMs: 60_000 });
  const dispose = async (): Promise<void> => {
    const ids = child && exited
      ? await removeSandboxes(criClient(socket, { timeoutMs: 30_000 }))
      : [];
    if (child && exited) await stopProcess(child, exited);
    ids.push(...await killShims(socket));
    await removeLibcniCache(ids);
    await unmountUnder(dir);
    await removeCgroups(cgroupParent);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await Deno.mkdir(cniBinDir);
    await Deno.mkdir(cniConfDir);
    const configPath = `${dir}/config.toml`;
    await Deno.writeTextFile(configPath, configToml(dir, socket, cniBinDir, cniConfDir));
    const image = await buildPauseImage(dir);
    child = new Deno.Command("/usr/bin/containerd", {
      args: ["--config", configPath],
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const c = child;
    for (const s of [c.stdout, c.stderr]) {
      (async () => {
        for await (const chunk of s) {
          log += decoder.decode(chunk);
          if (log.length > 2 << 20) log = log.slice(-(1 << 20));
        }
      })().catch(() => {});
    }
    let done = false;
    exited = c.status.then((s) => {
      done = true;
      return s;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (done) throw new Error(`containerd exited at start:\n${log.slice(-4000)}`);
      const ok = await cri.version().then(() => true, () => false);
      if (ok) break;
      if (Date.now() > deadline) {
        throw new Error(`containerd's CRI did not answer in 30 s:\n${log.slice(-4000)}`);
      }
      await sleep(100);
    }
    await run("/usr/bin/ctr", [
      "--address",
      socket,
      "-n",
      "k8s.io",
      "images",
      "import",
      "--base-name",
      PAUSE_BASE_NAME,
      image,
    ]);
    while (!(await cri.imageExists(PAUSE_IMAGE))) {
      if (Date.now() > deadline) {
        throw new Error(`CRI does not list the imported ${PAUSE_IMAGE}:\n${log.slice(-4000)}`);
      }
      await sleep(100);
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    dir,
    socket,
    cniBinDir,
    cniConfDir,
    cgroupParent,
    cri,
    log: () => log,
    [Symbol.asyncDispose]: dispose,
  };
}

/**
 * Stops and removes every sandbox CRI still lists (best effort, each call bounded); returns
 * their IDs.
 */
async function removeSandboxes(cri: CriClient): Promise<string[]> {
  const list = await cri.listPodSandbox().catch(() => []);
  for (const s of list) {
    await cri.stopPodSandbox(s.id).catch(() => {});
    await cri.removePodSandbox(s.id).catch(() => {});
  }
  return list.map((s) => s.id);
}

async function stopProcess(
  child: Deno.ChildProcess,
  exited: Promise<Deno.CommandStatus>,
): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}
