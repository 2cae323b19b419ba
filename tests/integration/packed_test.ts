/**
 * `dist/bin/multus` is one self-contained file: copied alone into an empty directory and
 * run where the clone (with `.tools`, `dist/lib`, the module cache) and npm are hidden by a
 * private mount namespace, it runs a thin ADD and DEL with real plugins; what `multus
 * install` copies is that same file, and a shim ADD runs through the installed copy.
 *
 * The packed build's stub (scripts/pack/stub.c) is tested through the file too: the first
 * run unpacks into a 0700 directory named by the payload's hash, concurrent first runs all
 * succeed, a partial or altered copy is never executed, an unsafe runtime directory or a
 * damaged file is refused with a clear error (a CNI error for a CNI caller), nothing is
 * written next to the executable, and a new build's first run removes older builds' copies
 * that no running process uses.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { DIST_BIN, runDist } from "../support/dist.ts";
import { multusEnv } from "../support/multus_env.ts";
import { daemonEnv } from "../support/daemon_env.ts";
import { recorded } from "../support/cni_runtime.ts";
import { DAEMON_V8_FLAGS, THIN_V8_FLAGS } from "../../scripts/build.ts";

const CLONE = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

interface BuildInfo {
  kind: string;
  hash?: string;
}

function buildInfo(): BuildInfo {
  return JSON.parse(Deno.readTextFileSync(`${CLONE}/dist/BUILD.json`)) as BuildInfo;
}

const PACKED = (() => {
  try {
    return buildInfo().kind === "packed";
  } catch {
    return false;
  }
})();

/** A new empty directory holding only a copy of dist/bin/multus (as `bin/<name>`). */
async function lonelyCopy(
  name = "multus",
): Promise<{ dir: string; bin: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "cnitest-packed-" });
  await Deno.mkdir(`${dir}/bin`);
  const bin = `${dir}/bin/${name}`;
  await Deno.copyFile(`${DIST_BIN}/multus`, bin);
  await Deno.chmod(bin, 0o755);
  return {
    dir,
    bin,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Writes `<dir>/<name>`: a script that runs `target` (with the script's arguments) in a
 * private mount namespace where the clone and the global npm modules are empty tmpfs
 * mounts, so nothing of them can be reached.
 */
async function hiddenClone(dir: string, name: string, target: string): Promise<string> {
  const script = `${dir}/${name}`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh
exec unshare --mount --propagation private -- /bin/sh -c '
  mount -t tmpfs -o size=1m none "$1" || exit 97
  if [ -d /usr/lib/node_modules ]; then mount -t tmpfs -o size=1m none /usr/lib/node_modules || exit 97; fi
  if [ -e "$1/.tools" ] || [ -e "$1/dist" ]; then echo "the clone is visible" >&2; exit 98; fi
  shift; exec "$@"' sh '${CLONE}' '${target}' "$@"
`,
    { mode: 0o755 },
  );
  return script;
}

/** Runs `cmd` (an absolute path, else a util-linux tool in /usr/bin) as the CNI runtime would. */
async function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  stdin = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = cmd.startsWith("/") ? cmd : `/usr/bin/${cmd}`;
  const { code, stdout, stderr } = await runDist(path, { args, env, stdin });
  return { code, stdout, stderr };
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

async function runtimeDir(dir: string): Promise<string> {
  const rt = `${dir}/runtime`;
  await Deno.mkdir(rt, { mode: 0o700 });
  return rt;
}

Deno.test("dist/bin/multus copied alone, with the clone and npm hidden, runs a thin ADD and DEL with real plugins", async () => {
  requireRoot();
  await using env = await multusEnv();
  await using copy = await lonelyCopy();
  const rt = await runtimeDir(copy.dir);
  const plugin = await hiddenClone(copy.dir, "multus-hidden", copy.bin);
  // The namespace really hides the clone.
  const probe = await run(await hiddenClone(copy.dir, "ls-hidden", "/bin/ls"), ["-A", CLONE], {});
  assertEquals(probe, { code: 0, stdout: "", stderr: "" });

  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("lonely", { "k8s.v1.cni.cncf.io/networks": "blue" });
  const call = { pod, containerId: "ctr-lonely", bin: plugin, env: { MULTUS_RUNTIME_DIR: rt } };
  const add = await env.cni({ command: "ADD", ...call });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname).sort(), ["eth0", "lo", "net1"]);
  assertEquals(env.networkStatus(pod)?.map((s) => s.interface), ["eth0", "net1"]);
  const del = await env.cni({ command: "DEL", ...call });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await env.leases(), []);
  // Nothing was written next to the executable.
  assertEquals(await names(`${copy.dir}/bin`), ["multus"]);
  if (PACKED) {
    assertEquals(await names(rt), [buildInfo().hash!.slice(0, 24)]);
  }
});

Deno.test("multus install copies exactly the built file; a shim ADD and DEL run through the installed copy with the clone hidden", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await using node = await lonelyCopy();
  const binDir = `${node.dir}/opt/cni/bin`;
  await Deno.mkdir(binDir, { recursive: true });
  const res = await run(`${DIST_BIN}/multus`, ["install", "-t", "thick", "-d", binDir], {});
  assertEquals(res.code, 0, res.stdout + res.stderr);
  assertEquals(await names(binDir), ["multus-shim", "passthru"]);
  const built = await Deno.readFile(`${DIST_BIN}/multus`);
  for (const name of ["multus-shim", "passthru"]) {
    const installed = await Deno.readFile(`${binDir}/${name}`);
    assert(installed.length === built.length && installed.every((b, i) => b === built[i]), name);
  }
  const rt = await runtimeDir(node.dir);
  const shim = await hiddenClone(node.dir, "shim-hidden", `${binDir}/multus-shim`);
  env.bridgeNad("default", "green", "10.242.0.0/24");
  const pod = env.pod("installed", { "k8s.v1.cni.cncf.io/networks": "green" });
  const call = { pod, containerId: "ctr-installed", bin: shim, env: { MULTUS_RUNTIME_DIR: rt } };
  const add = await env.shim({ command: "ADD", ...call });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname).sort(), ["eth0", "lo", "net1"]);
  const del = await env.shim({ command: "DEL", ...call });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await names(binDir), ["multus-shim", "passthru"]);
});

/** Makes `<rt>/<name>` look like an older build's copy: a 0700 dir with a seal and a `deno`. */
async function olderCopy(rt: string, name: string): Promise<string> {
  const dir = `${rt}/${name}`;
  await Deno.mkdir(dir, { mode: 0o700 });
  await Deno.writeTextFile(`${dir}/.seal`, "multus-deno-seal 2\n");
  await Deno.copyFile("/usr/bin/sleep", `${dir}/deno`);
  await Deno.chmod(`${dir}/deno`, 0o700);
  return dir;
}

Deno.test({
  name:
    "packed: the first run of a new build removes older builds' copies, except one a process runs",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy();
    const rt = await runtimeDir(copy.dir);
    const own = buildInfo().hash!.slice(0, 24);
    const idle = "a".repeat(24);
    const busy = "b".repeat(24);
    await olderCopy(rt, idle);
    const busyDir = await olderCopy(rt, busy);
    // Not copies: another name, and a hash-named dir without a seal.
    await Deno.mkdir(`${rt}/keep-me`);
    await Deno.mkdir(`${rt}/${"c".repeat(24)}`);
    const older = new Deno.Command(`${busyDir}/deno`, { args: ["60"] }).spawn();
    try {
      let r = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: rt });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(await names(rt), [own, busy, "c".repeat(24), "keep-me"].sort());
      // Later runs verify their copy and prune nothing: the busy copy stays after it stops.
      older.kill();
      await older.status;
      r = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: rt });
      assertEquals(r.code, 0, r.stderr);
      assert((await names(rt)).includes(busy));
      // The next first run (here: this build's copy gone) removes it.
      await Deno.remove(`${rt}/${own}`, { recursive: true });
      r = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: rt });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(await names(rt), [own, "c".repeat(24), "keep-me"].sort());
    } finally {
      try {
        older.kill();
      } catch { /* already stopped */ }
      await older.status;
    }
  },
});

Deno.test({
  name: "the thin plugin's Deno runs with the thin V8 flags, the daemon's with its own",
  // A compiled binary carries one set of flags for every mode.
  ignore: buildInfo().kind === "compiled",
  async fn() {
    requireRoot();
    // The recording plugin's parent is the Deno process that ran it.
    const parentOfFirstCall = async (record: string) => (await recorded(record))[0]?.parent ?? [];
    {
      await using env = await multusEnv();
      const record = env.recorderNad("default", "rec");
      const pod = env.pod("flags", { "k8s.v1.cni.cncf.io/networks": "rec" });
      // The plugin by its path: thin even when the suite runs in thick mode.
      const call = { pod, containerId: "ctr-flags", bin: `${DIST_BIN}/multus` };
      const add = await env.cni({ command: "ADD", ...call });
      assertEquals(add.code, 0, add.stdout + add.stderr);
      const argv = await parentOfFirstCall(record);
      assert(argv.at(-1)?.endsWith("/src/entry/thin.ts"), argv.join(" "));
      assert(argv.includes(THIN_V8_FLAGS), argv.join(" "));
      assertEquals((await env.cni({ command: "DEL", ...call })).code, 0);
    }
    {
      await using env = await daemonEnv();
      const record = env.recorderNad("default", "rec");
      const pod = env.pod("flags-thick", { "k8s.v1.cni.cncf.io/networks": "rec" });
      const call = { pod, containerId: "ctr-flags-thick" };
      const add = await env.shim({ command: "ADD", ...call });
      assertEquals(add.code, 0, add.stdout + add.stderr);
      const argv = await parentOfFirstCall(record);
      assert(argv.includes(DAEMON_V8_FLAGS), argv.join(" "));
      assert(!argv.includes(THIN_V8_FLAGS), argv.join(" "));
      assertEquals((await env.shim({ command: "DEL", ...call })).code, 0);
    }
  },
});

Deno.test({
  name: "packed: concurrent first runs all succeed and leave one sealed copy, no temp dir",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy();
    const rt = await runtimeDir(copy.dir);
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: rt })),
    );
    for (const r of runs) {
      assertEquals(r.code, 0, r.stderr);
      assert(r.stdout.startsWith("multus: version:"), r.stdout);
      assert(r.stdout.includes("build:packed"), r.stdout);
    }
    const hashDir = buildInfo().hash!.slice(0, 24);
    assertEquals(await names(rt), [hashDir]);
    const st = await Deno.stat(`${rt}/${hashDir}`);
    assertEquals(st.mode! & 0o777, 0o700);
    assertEquals(st.uid, 0);
    assert((await names(`${rt}/${hashDir}`)).includes(".seal"));
  },
});

Deno.test({
  name:
    "packed: a daemon's first start in a new copy has Deno's caches filled by a warm-up run first, a plugin's does not",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy("multus-daemon");
    const rt = await runtimeDir(copy.dir);
    const cache = `${rt}/${buildInfo().hash!.slice(0, 24)}/deno_dir`;
    // A plugin exec (VERSION through passthru's name) unpacks but warms nothing.
    await Deno.link(copy.bin, `${copy.dir}/bin/passthru`);
    const cni = { MULTUS_RUNTIME_DIR: rt, CNI_COMMAND: "VERSION" };
    let r = await run(`${copy.dir}/bin/passthru`, [], cni, '{"cniVersion":"1.0.0"}');
    assertEquals(r.code, 0, r.stderr);
    assert(!(await names(cache)).includes(".daemon-warm"));
    // The daemon's first start (here with -version) runs its entry once beforehand.
    r = await run(copy.bin, ["-version"], { MULTUS_RUNTIME_DIR: rt });
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.startsWith("multus-daemon: version:"), r.stdout);
    assertEquals(r.stdout.split("\n").filter((l) => l !== "").length, 1, r.stdout);
    const files = await names(cache);
    assert(files.includes(".daemon-warm"), files.join(" "));
    assert(files.includes("dep_analysis_cache_v2"), files.join(" "));
  },
});

Deno.test({
  name:
    "packed: a partial copy (no seal) and an altered one are never executed, but unpacked again",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy("passthru");
    const rt = await runtimeDir(copy.dir);
    const dir = `${rt}/${buildInfo().hash!.slice(0, 24)}`;
    const marker = `${copy.dir}/executed`;
    const evil = `#!/bin/sh\ntouch ${marker}\n`;
    const version = () =>
      run(
        copy.bin,
        [],
        { MULTUS_RUNTIME_DIR: rt, CNI_COMMAND: "VERSION" },
        '{"cniVersion":"1.0.0"}',
      );

    // Partial: the directory exists with a runtime in it, but no seal.
    await Deno.mkdir(dir, { mode: 0o700 });
    await Deno.writeTextFile(`${dir}/deno`, evil, { mode: 0o700 });
    let r = await version();
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout).cniVersion, "1.0.0");
    assert(r.stderr.includes("no .seal"), r.stderr);
    assert(!(await Deno.stat(marker).then(() => true, () => false)), "the partial copy ran");

    // Altered in place: same inode, same size.
    const deno = await Deno.readFile(`${dir}/deno`);
    await Deno.chmod(`${dir}/deno`, 0o700);
    const f = await Deno.open(`${dir}/deno`, { write: true });
    await f.write(new TextEncoder().encode(evil));
    f.close();
    assertEquals((await Deno.stat(`${dir}/deno`)).size, deno.length);
    r = await version();
    assertEquals(r.code, 0, r.stderr);
    assert(r.stderr.includes("deno was changed after it was unpacked"), r.stderr);
    assert(!(await Deno.stat(marker).then(() => true, () => false)), "the altered copy ran");

    // A program file replaced (new inode); the next exec repairs it too.
    await Deno.remove(`${dir}/lib/src/entry/passthru.ts`);
    await Deno.writeTextFile(
      `${dir}/lib/src/entry/passthru.ts`,
      `Deno.writeTextFileSync("${marker}", "");`,
    );
    r = await version();
    assertEquals(r.code, 0, r.stderr);
    assert(r.stderr.includes("lib/src/entry/passthru.ts"), r.stderr);
    assert(!(await Deno.stat(marker).then(() => true, () => false)), "the altered program ran");

    // An altered npm package: a plugin exec checks the runtime and program only; the full
    // check (every other exec, or MULTUS_VERIFY_ONLY before a plugin imports npm) repairs it.
    const npmFile = (await Deno.readTextFile(`${dir}/.seal-npm`)).split("\n")[1]!.split(" ")
      .slice(4).join(" ");
    await Deno.chmod(`${dir}/${npmFile}`, 0o600);
    await Deno.writeTextFile(`${dir}/${npmFile}`, "altered", { append: true });
    r = await version();
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr, "");
    r = await run(copy.bin, [], { MULTUS_RUNTIME_DIR: rt, MULTUS_VERIFY_ONLY: "1" });
    assertEquals(r.code, 0, r.stderr);
    assert(r.stderr.includes(npmFile), r.stderr);
    r = await run(copy.bin, [], { MULTUS_RUNTIME_DIR: rt, MULTUS_VERIFY_ONLY: "1" });
    assertEquals([r.code, r.stderr], [0, ""]);
    // Nothing moved aside is left once its process is gone.
    assertEquals((await names(rt)).filter((n) => n.startsWith(".")), []);
  },
});

Deno.test({
  name: "packed: an unsafe runtime dir is refused, with a CNI error for a CNI caller",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy("passthru");
    const open = `${copy.dir}/open`;
    await Deno.mkdir(open);
    await Deno.chmod(open, 0o777);
    let r = await run(copy.bin, [], { MULTUS_RUNTIME_DIR: `${open}/rt`, CNI_COMMAND: "ADD" });
    assertEquals(r.code, 1);
    const err = JSON.parse(r.stdout) as { code: number; msg: string };
    assertEquals(err.code, 11);
    assert(err.msg.includes(`${open} is writable by others (mode 0777)`), err.msg);
    assert(r.stderr.includes("no safe runtime directory"), r.stderr);

    const foreign = `${copy.dir}/foreign`;
    await Deno.mkdir(foreign, { mode: 0o700 });
    await Deno.chown(foreign, 65534, 65534);
    r = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: foreign });
    assertEquals(r.code, 1);
    assertEquals(r.stdout, "");
    assert(r.stderr.includes(`${foreign} is owned by uid 65534`), r.stderr);

    const relative = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: "rt" });
    assertEquals(relative.code, 1);
    assert(relative.stderr.includes('"rt" is not an absolute path'), relative.stderr);
  },
});

Deno.test({
  name: "packed: a damaged file is refused before anything runs, leaving no directory behind",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy();
    const rt = await runtimeDir(copy.dir);
    const bytes = await Deno.readFile(copy.bin);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = bytes[mid]! ^ 0xff;
    await Deno.writeFile(copy.bin, bytes);
    const r = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: rt });
    assertEquals(r.code, 1);
    assertEquals(r.stdout, "");
    assert(/payload (is corrupt|'s hash)|damaged/.test(r.stderr), r.stderr);
    assertEquals(await names(rt), []);

    await Deno.writeFile(copy.bin, bytes.subarray(0, bytes.length - 10));
    const cut = await run(copy.bin, ["--version"], { MULTUS_RUNTIME_DIR: rt });
    assertEquals(cut.code, 1);
    assert(cut.stderr.includes("carries no program"), cut.stderr);
  },
});

Deno.test({
  name: "packed: runs from a read-only bin dir and as a non-root user (its own cache dir)",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using copy = await lonelyCopy();
    const rt = await runtimeDir(copy.dir);
    const ro = await run("unshare", [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && exec "$1/multus" --version',
      "sh",
      `${copy.dir}/bin`,
    ], { MULTUS_RUNTIME_DIR: rt });
    assertEquals(ro.code, 0, ro.stderr);
    assert(ro.stdout.includes("build:packed"), ro.stdout);

    const home = `${copy.dir}/home`;
    await Deno.mkdir(home);
    await Deno.chown(home, 65534, 65534);
    await Deno.chmod(copy.dir, 0o755);
    const user = await run("setpriv", [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      copy.bin,
      "--version",
    ], { HOME: home });
    assertEquals(user.code, 0, user.stderr);
    assert(user.stdout.includes("build:packed"), user.stdout);
    const cache = `${home}/.cache/multus-deno`;
    const st = await Deno.stat(cache);
    assertEquals([st.uid, st.mode! & 0o777], [65534, 0o700]);
  },
});

Deno.test({
  name: "packed: the daemon runs with two malloc arenas and fixed malloc thresholds",
  ignore: !PACKED,
  async fn() {
    requireRoot();
    await using env = await daemonEnv();
    const environ = (await Deno.readTextFile(`/proc/${env.daemon.pid}/environ`)).split("\0");
    const malloc = [
      "MALLOC_ARENA_MAX=2",
      "MALLOC_MMAP_THRESHOLD_=65536",
      "MALLOC_TRIM_THRESHOLD_=65536",
    ];
    for (const v of malloc) assert(environ.includes(v), v);
  },
});
