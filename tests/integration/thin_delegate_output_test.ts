/**
 * What a delegate prints (issue 10, point 3): an ADD that exits 0 with nothing on stdout
 * has no result and fails the pod's ADD (libcni's "failed to unmarshal raw result:
 * unexpected end of JSON input"), rolling the other attachments back. Through
 * `dist/bin/multus` with real plugins and the project's `cnitest-silent` (rerun through
 * shim + daemon by `thick_rerun_test.ts`).
 */
import { assertEquals } from "../support/assert.ts";
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
