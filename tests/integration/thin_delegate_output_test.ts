/**
 * What a delegate prints (issue 10, points 3 and 5): an ADD that exits 0 with nothing on
 * stdout has no result and fails the pod's ADD (libcni's "failed to unmarshal raw result:
 * unexpected end of JSON input"), rolling the other attachments back; a delegate that
 * floods stdout is killed at 4 MiB with an error naming it and the limit; a flood of
 * stderr is cut to 64 KiB and does not fail the call. Through `dist/bin/multus` with real
 * plugins and the project's `cnitest-silent` and `cnitest-flood` (rerun through shim +
 * daemon by `thick_rerun_test.ts`).
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import { type MultusEnv, multusEnv, NETWORKS } from "../support/multus_env.ts";

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

async function commands(file: string): Promise<string[]> {
  return (await Deno.readTextFile(file).catch(() => "")).split("\n").filter((l) => l);
}

/** A NAD running test plugin `type` that records its calls; returns the record file. */
function nad(env: MultusEnv, name: string, type: string, extra = {}): string {
  const recordFile = `${env.root}/${name}.calls`;
  env.api.createNad("default", name, {
    config: { cniVersion: "1.0.0", type, recordFile, ...extra },
  });
  return recordFile;
}

/** The failed ADD left nothing attached, leased or annotated (the scratch cache stays for DEL). */
async function assertRolledBack(env: MultusEnv, containerId: string): Promise<void> {
  assertEquals(await names(env.netns.name), ["lo"]);
  assertEquals(await env.leases(), [], "host-local released the other networks' addresses");
  assertEquals(await filesUnder(env.cniDir), [containerId], "only the scratch cache, for DEL");
}

Deno.test("multus ADD with a delegate that exits 0 and prints nothing fails (code 6) and rolls the other attachments back", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const calls = nad(env, "mute", "cnitest-silent");
  const pod = env.pod("mute", { [NETWORKS]: "blue, mute" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-mute" });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  const err = add.json as { code: number; msg: string };
  assertEquals(err.code, 6);
  assertEquals(
    err.msg,
    `[default/mute/${pod.uid}:mute]: error adding container to network "mute": failed to unmarshal raw result: unexpected end of JSON input (plugin "cnitest-silent" exited 0 with no result on stdout)`,
  );
  await assertRolledBack(env, "ctr-mute");
  assertEquals(await commands(calls), ["ADD", "DEL"], "the silent delegate was rolled back too");
  assertEquals(env.networkStatus(pod), undefined);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-mute" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("multus ADD with a delegate that floods stdout (10 MB) fails naming it and the 4 MiB limit, and rolls back", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const calls = nad(env, "flood", "cnitest-flood", { stdout: { ADD: 10_000_000 } });
  const pod = env.pod("flood", { [NETWORKS]: "blue, flood" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-flood" });
  assertEquals(add.code, 1, add.stderr);
  const err = add.json as { code: number; msg: string };
  assertEquals(err.code, 5);
  assertMatch(
    err.msg,
    /^\[default\/flood\/[-0-9a-f]+:flood\]: error adding container to network "flood": plugin "[^"]*\/cnitest-flood" \(ADD\) printed more than 4 MiB on stdout and was killed: its output is bounded to 4 MiB$/,
  );
  await assertRolledBack(env, "ctr-flood");
  assertEquals(await commands(calls), ["ADD", "DEL"]);
});

Deno.test("multus ADD with a delegate that floods stderr (10 MB) succeeds; what it printed is cut to 64 KiB", async () => {
  requireRoot();
  await using env = await multusEnv();
  nad(env, "noisy", "cnitest-flood", { stderr: { ADD: 10_000_000 } });
  const pod = env.pod("noisy", { [NETWORKS]: "noisy" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-noisy" });
  assertEquals(add.code, 0, add.stdout);
  assertEquals(await names(env.netns.name), ["eth0", "lo"]);
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-noisy" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(await env.leases(), []);
});

Deno.test("multus ADD with a failing delegate that floods stderr reports at most 64 KiB of it", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.api.createNad("default", "crashy", {
    config: {
      cniVersion: "1.0.0",
      type: "cnitest-record",
      crash: { ADD: "x".repeat(200_000) },
    },
  });
  const pod = env.pod("crashy", { [NETWORKS]: "blue, crashy" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-crashy" });
  assertEquals(add.code, 1);
  const err = add.json as { code: number; msg: string };
  assertEquals(err.code, 999);
  const xs = err.msg.match(/x+/)?.[0] ?? "";
  assertEquals(xs.length, 64 * 1024, "the first 64 KiB of stderr");
  assertMatch(err.msg, /\[\d+ more bytes of stderr dropped: 64 KiB are kept\]/);
  await assertRolledBack(env, "ctr-crashy");
});
