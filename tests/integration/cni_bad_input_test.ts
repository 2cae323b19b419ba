/**
 * Every class of bad input gets the right CNI code and a message that names the value
 * and the reason, and leaves nothing behind (no cache file, no interface).
 */
import {
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "../support/assert.ts";
import { addNetworkList } from "../../src/cni/conflist.ts";
import { CniError } from "../../src/cni/error.ts";
import { createNetns, linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, list, recorded, tempDir, testRuntime } from "../support/cni_runtime.ts";
import { runDist } from "../support/dist.ts";

const cniEnv = (command: string) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: "ctr-bad",
  CNI_NETNS: "/var/run/netns/none",
  CNI_IFNAME: "eth0",
  CNI_PATH: "/usr/lib/cni",
});

Deno.test("passthru reports every missing CNI variable at once with code 4", async () => {
  const out = await runDist("passthru", { env: { CNI_COMMAND: "ADD" }, stdin: "{}" });
  assertEquals(out.code, 1);
  assertEquals(out.json, {
    code: 4,
    msg: "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing",
  });
});

Deno.test("passthru without CNI_COMMAND prints what it is on stderr and exits 0", async () => {
  const out = await runDist("passthru");
  assertEquals(out.code, 0);
  assertStringIncludes(out.stderr, "CNI passthru plugin");
  assertStringIncludes(
    out.stderr,
    "CNI protocol versions supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0",
  );
});

Deno.test("passthru rejects malformed stdin with code 6", async () => {
  const out = await runDist("passthru", { env: cniEnv("ADD"), stdin: "{not json" });
  assertEquals(out.code, 1);
  const err = out.json as { code: number; msg: string };
  assertEquals(err.code, 6);
  assertMatch(err.msg, /^error unmarshall network config: /);
});

Deno.test("passthru rejects a config without a name with code 7", async () => {
  const out = await runDist("passthru", { env: cniEnv("ADD"), stdin: '{"cniVersion":"1.0.0"}' });
  assertEquals(out.json, { code: 7, msg: "missing network name" });
});

Deno.test("passthru rejects an unknown cniVersion with code 1 naming the versions", async () => {
  const out = await runDist("passthru", {
    env: cniEnv("ADD"),
    stdin: '{"cniVersion":"9.9.9","name":"n"}',
  });
  const err = out.json as { code: number; msg: string; details: string };
  assertEquals(err.code, 1);
  assertEquals(err.msg, "incompatible CNI versions");
  assertStringIncludes(err.details, 'config is "9.9.9"');
});

Deno.test("passthru refuses CHECK below 0.4.0 and GC/STATUS below 1.1.0 with code 1", async () => {
  const check = await runDist("passthru", {
    env: cniEnv("CHECK"),
    stdin: '{"cniVersion":"0.3.1","name":"n"}',
  });
  assertEquals(
    (check.json as { code: number; msg: string }).msg,
    "config version does not allow CHECK",
  );
  const gc = await runDist("passthru", {
    env: cniEnv("GC"),
    stdin: '{"cniVersion":"1.0.0","name":"n"}',
  });
  const gcErr = gc.json as { code: number; msg: string };
  assertEquals([gcErr.code, gcErr.msg], [1, "config version does not allow GC"]);
});

Deno.test("passthru rejects an invalid interface name and container ID with code 4", async () => {
  const stdin = '{"cniVersion":"1.0.0","name":"n"}';
  const longIf = await runDist("passthru", {
    env: { ...cniEnv("ADD"), CNI_IFNAME: "averyveryverylongname" },
    stdin,
  });
  assertEquals((longIf.json as { code: number }).code, 4);
  assertStringIncludes((longIf.json as { msg: string }).msg, "interface name is too long");
  const badId = await runDist("passthru", {
    env: { ...cniEnv("ADD"), CNI_CONTAINERID: "a/b" },
    stdin,
  });
  assertEquals(
    (badId.json as { code: number; msg: string }).msg,
    "invalid characters in containerID",
  );
});

Deno.test("passthru ADD prints an empty result in the config's version; unknown command is code 4", async () => {
  const add = await runDist("passthru", {
    env: cniEnv("ADD"),
    stdin: '{"cniVersion":"0.4.0","name":"aux"}',
  });
  assertEquals(add.code, 0);
  assertEquals(add.json, { cniVersion: "0.4.0", interfaces: [], ips: [], routes: [], dns: {} });
  const bogus = await runDist("passthru", {
    env: { ...cniEnv("ADD"), CNI_COMMAND: "FROB" },
    stdin: "{}",
  });
  assertEquals(bogus.json, { code: 4, msg: "unknown CNI_COMMAND: FROB" });
  const ver = await runDist("passthru", {
    env: { CNI_COMMAND: "VERSION" },
    stdin: '{"cniVersion":"1.0.0"}',
  });
  assertEquals((ver.json as { cniVersion: string }).cniVersion, "1.0.0");
});

async function expectAddFailure(
  plugin: Record<string, unknown>,
  want: { code: number; msg: RegExp },
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  requireRoot();
  await using ns = await createNetns();
  await using tmp = await tempDir();
  const rt = testRuntime(`${tmp.path}/cache`, opts);
  const net = list({ cniVersion: "1.0.0", name: "cnitestbad", plugins: [plugin] });
  const err = await assertRejects(
    () =>
      addNetworkList(net, {
        containerId: "ctr-bad",
        netns: ns.path,
        ifName: "eth0",
        args: [],
        capabilityArgs: {},
      }, rt),
    CniError,
  );
  assertEquals(err.code, want.code, err.message);
  assertMatch(err.message, want.msg);
  assertEquals(await filesUnder(`${tmp.path}/cache`), [], "nothing cached");
  assertEquals((await linksIn(ns.name)).map((l) => l.ifname), ["lo"], "no interface left");
}

Deno.test("addNetworkList() reports a plugin that is not installed with code 7", async () => {
  await expectAddFailure({ type: "no-such-plugin" }, {
    code: 7,
    msg: /failed \(add\): failed to find plugin "no-such-plugin" in path \[\/usr\/lib\/cni /,
  });
});

for (const type of ["../../../bin/sh", "/bin/sh", "..", "."]) {
  Deno.test(`addNetworkList() refuses the path-like type ${JSON.stringify(type)} with code 7`, async () => {
    await expectAddFailure({ type }, { code: 7, msg: /must be a plain file name.*never a path/ });
  });
}

Deno.test("addNetworkList() reports a crash without a CNI error from its stderr", async () => {
  await expectAddFailure({ type: "cnitest-record", crash: { ADD: "boom: kernel said no" } }, {
    code: 999,
    msg: /failed \(add\): netplugin failed: "boom: kernel said no/,
  });
});

Deno.test("addNetworkList() keeps a plugin's own CNI error code", async () => {
  await expectAddFailure(
    {
      type: "cnitest-record",
      fail: { ADD: { code: 11, msg: "IPAM pool busy", details: "retry" } },
    },
    { code: 11, msg: /^plugin type="cnitest-record" failed \(add\): IPAM pool busy$/ },
  );
});

Deno.test("addNetworkList() kills a plugin that hangs past the timeout (code 11)", async () => {
  const started = performance.now();
  await expectAddFailure({ type: "cnitest-record", sleep: { ADD: 30 } }, {
    code: 11,
    msg: /did not finish within 1500 ms and was killed/,
  }, { timeoutMs: 1500 });
  const took = performance.now() - started;
  if (took > 15_000) throw new Error(`the hung plugin was not killed in time (${took} ms)`);
});

Deno.test("addNetworkList() reports a plugin that prints garbage with code 6", async () => {
  await expectAddFailure({ type: "cnitest-record", garbage: { ADD: "<html>oops</html>" } }, {
    code: 6,
    msg: /cannot decode the result of plugin "cnitest-record"/,
  });
});

Deno.test("addNetworkList() reports a plugin that exits 0 with nothing on stdout with code 6 (libcni: no result is an error)", async () => {
  await expectAddFailure({ type: "cnitest-silent" }, {
    code: 6,
    msg:
      /^plugin type="cnitest-silent" failed \(add\): failed to unmarshal raw result: unexpected end of JSON input \(plugin "cnitest-silent" exited 0 with no result on stdout\)$/,
  });
});

Deno.test("addNetworkList() kills a plugin that prints more than 4 MiB on stdout (code 5, naming it and the limit)", async () => {
  await expectAddFailure({ type: "cnitest-flood", stdout: { ADD: 10_000_000 } }, {
    code: 5,
    msg:
      /^plugin type="cnitest-flood" failed \(add\): plugin "[^"]+\/cnitest-flood" \(ADD\) printed more than 4 MiB on stdout and was killed: its output is bounded to 4 MiB$/,
  });
});

Deno.test("addNetworkList() accepts a result of 4 MiB exactly, and a tighter bound set per call", async () => {
  requireRoot();
  await using tmp = await tempDir();
  const rt = testRuntime(`${tmp.path}/cache`);
  const conf = { containerId: "c", netns: "/x", ifName: "eth0", args: [], capabilityArgs: {} };
  // 4 MiB of "x" is not a result, but it is read whole: the error is the decoder's.
  const exact = list({
    cniVersion: "1.0.0",
    name: "cnitestexact",
    plugins: [{ type: "cnitest-flood", stdout: { ADD: 4 * 1024 * 1024 } }],
  });
  const decoded = await assertRejects(() => addNetworkList(exact, conf, rt), CniError);
  assertEquals(decoded.code, 6, decoded.message);
  const tight = { ...rt, invoke: { ...rt.invoke, maxStdoutBytes: 1000 } };
  const small = list({
    cniVersion: "1.0.0",
    name: "cnitesttight",
    plugins: [{ type: "cnitest-flood", stdout: { ADD: 1001 } }],
  });
  const bounded = await assertRejects(() => addNetworkList(small, conf, tight), CniError);
  assertEquals(bounded.code, 5);
  assertMatch(bounded.message, /printed more than 1000 bytes on stdout/);
});

Deno.test("addNetworkList() with a failing second plugin leaves the first plugin's record only", async () => {
  requireRoot();
  await using tmp = await tempDir();
  const rec = `${tmp.path}/rec.jsonl`;
  const rt = testRuntime(`${tmp.path}/cache`);
  const net = list({
    cniVersion: "1.0.0",
    name: "cnitestchainfail",
    plugins: [
      { type: "cnitest-record", recordFile: rec, result: { ips: [{ address: "10.2.0.2/24" }] } },
      { type: "cnitest-record", recordFile: rec, fail: { ADD: { code: 7, msg: "bad sysctl" } } },
    ],
  });
  await assertRejects(
    () =>
      addNetworkList(net, {
        containerId: "c",
        netns: "/x",
        ifName: "eth0",
        args: [],
        capabilityArgs: {},
      }, rt),
    CniError,
  );
  assertEquals((await recorded(rec)).map((r) => r.command), ["ADD", "ADD"]);
  assertEquals(await filesUnder(`${tmp.path}/cache`), []);
});
