/**
 * `chrootDir`: the daemon runs delegates chrooted into the host root, as Multus thick does
 * (its deployment mounts the host's `/` at `/hostroot`). The test builds such a root: the
 * daemon starts in a private mount namespace (nothing is mounted on the host) where a fresh
 * directory gets the host's `/usr`, `/etc`, `/proc`, `/sys`, `/dev`, `/run/netns` and the
 * test plugin directory bound in. Files a delegate writes then land under that root and
 * not at the same path outside it.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, TEST_CNI_BIN } from "../support/cni_runtime.ts";
import { daemonEnv } from "../support/daemon_env.ts";

/** `unshare` + `sh` building `root` in the daemon's own mount namespace, then exec'ing it. */
function chrootWrapper(root: string): string[] {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const script = [
    "set -e",
    `R=${q(root)}`,
    'for d in usr etc proc sys dev run/netns; do mkdir -p "$R/$d"; mount --rbind "/$d" "$R/$d"; done',
    'for l in bin sbin lib lib32 lib64; do if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$R/$l"; fi; done',
    'mkdir -p "$R/var" "$R/tmp"; ln -s ../run "$R/var/run"',
    `mkdir -p "$R"${q(TEST_CNI_BIN)}; mount --bind ${q(TEST_CNI_BIN)} "$R"${q(TEST_CNI_BIN)}`,
    'exec "$@"',
  ].join("\n");
  return ["unshare", "--mount", "--propagation", "slave", "sh", "-c", script, "sh"];
}

Deno.test("thick chrootDir: delegates run inside the given root; files they write land under it", async () => {
  requireRoot();
  const root = await Deno.makeTempDir({ prefix: "multus-hostroot-" });
  const record = `/tmp/multus-chroot-record-${crypto.randomUUID()}.jsonl`;
  try {
    await using env = await daemonEnv({ config: { chrootDir: root }, wrap: chrootWrapper(root) });
    env.recorderNad("default", "rec", { recordFile: record });
    env.bridgeNad("default", "blue", "10.241.0.0/24");
    const pod = env.pod("caged", { "k8s.v1.cni.cncf.io/networks": "rec, blue" });
    await new Promise((r) => setTimeout(r, 300)); // the informers see the pod and NADs

    const add = await env.shim({ command: "ADD", pod, containerId: "ctr-caged" });
    assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
    const links = (await linksIn(env.netns.name)).map((l) => l.ifname).sort();
    assertEquals(links, ["eth0", "lo", "net2"], "the recorder (net1) makes no link");

    // The recorder wrote inside the root, never at the host's /tmp.
    const recorded = await Deno.readTextFile(`${root}${record}`);
    assertEquals(JSON.parse(recorded.trim().split("\n")[0]!).command, "ADD");
    assertEquals(await Deno.stat(record).then(() => true, () => false), false);
    // host-local (the cluster network and "blue") kept its leases under the root too.
    assertEquals(await env.leases(), [], "no lease under the host's own dataDir");
    const leases = (await filesUnder(`${root}${env.ipamDir}`)).filter((f) =>
      /\/\d+\.\d+\.\d+\.\d+$/.test(f)
    );
    assertEquals(leases.length, 2, leases.join(", "));

    const del = await env.shim({ command: "DEL", pod, containerId: "ctr-caged" });
    assertEquals(del.code, 0, del.stdout + del.stderr + env.daemon.log());
    assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
    const after = (await filesUnder(`${root}${env.ipamDir}`)).filter((f) =>
      /\/\d+\.\d+\.\d+\.\d+$/.test(f)
    );
    assertEquals(after, [], "DEL released the leases inside the root");
    const lines = (await Deno.readTextFile(`${root}${record}`)).trim().split("\n");
    assertEquals(lines.map((l) => JSON.parse(l).command), ["ADD", "DEL"]);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.remove(record).catch(() => {});
  }
});

Deno.test("thick chrootDir: a root that does not exist stops the daemon at start with a clear message", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await env.daemon.stop();
  const missing = `/nonexistent-hostroot-${crypto.randomUUID()}`;
  const daemon = await env.startDaemon({ config: { chrootDir: missing }, waitReady: false });
  assertEquals(await daemon.exited, 1);
  assertStringIncludes(daemon.log(), `chrootDir "${missing}": no such directory`);
  assert(!daemon.log().includes("    at "), `no stack trace:\n${daemon.log()}`);
});
