/**
 * The thin plugin's logging keys: `logFile` lines in Multus's format, `logLevel`,
 * `logToStderr`, and `logOptions` rotation.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import { multusEnv, NETWORKS } from "../support/multus_env.ts";

/** `<RFC3339 local time> [<level>] <message>`. */
const LINE =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d) \[(panic|error|verbose|debug)\] (.*)$/;

function levels(log: string): string[] {
  return [...new Set(log.trimEnd().split("\n").map((l) => LINE.exec(l)?.[1] ?? "?"))].sort();
}

Deno.test("multus logFile lines are '<RFC3339> [<level>] <msg>' with nothing above logLevel", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("logs");
  const verbose = env.conf({ logLevel: "verbose" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-log", conf: verbose });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(add.stderr, "", "logToStderr: false");
  const log = await Deno.readTextFile(env.logFile);
  for (const line of log.trimEnd().split("\n")) assertMatch(line, LINE);
  assertEquals(levels(log), ["verbose"]);
  assertMatch(
    log,
    new RegExp(
      `\\[verbose\\] Add: default:logs:${pod.uid}:cluster\\(cluster\\):eth0 \\{"cniVersion":"1\\.0\\.0",`,
    ),
  );

  // debug adds debug lines; error keeps a successful DEL silent.
  await Deno.remove(env.logFile);
  const del = await env.cni({
    command: "DEL",
    pod,
    containerId: "ctr-log",
    conf: env.conf({ logLevel: "DEBUG" }),
  });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  const debugLog = await Deno.readTextFile(env.logFile);
  assertEquals(levels(debugLog), ["debug", "verbose"]);
  assertStringIncludes(debugLog, `[debug] CmdDel: ContainerID:"ctr-log"`);

  await Deno.remove(env.logFile);
  const add2 = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-log2",
    conf: env.conf({ logLevel: "error" }),
  });
  assertEquals(add2.code, 0, add2.stdout + add2.stderr);
  assertEquals(await Deno.readTextFile(env.logFile).catch(() => ""), "");
});

Deno.test("multus logs a failed command at error level, and by default (panic) logs nothing", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("nolog", { [NETWORKS]: "missing" });
  const quiet = env.conf({ logLevel: undefined });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-e1", conf: quiet });
  assertEquals(add.code, 1);
  assertEquals(await Deno.readTextFile(env.logFile).catch(() => ""), "", "panic level is silent");

  const errors = env.conf({ logLevel: "error" });
  const add2 = await env.cni({ command: "ADD", pod, containerId: "ctr-e2", conf: errors });
  assertEquals(add2.code, 1);
  const msg = (add2.json as { msg: string }).msg;
  const lines = (await Deno.readTextFile(env.logFile)).trimEnd().split("\n");
  assertEquals(lines.length, 1, lines.join("\n"));
  assertEquals(LINE.exec(lines[0]!)?.slice(1), ["error", msg]);
});

Deno.test("multus logToStderr copies the log lines to stderr; an unknown logLevel is reported there", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("stderr");
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-stderr",
    conf: env.conf({ logToStderr: true, logLevel: "verbose", logFile: undefined }),
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const lines = add.stderr.trimEnd().split("\n");
  assert(lines.length > 0);
  for (const line of lines) assertMatch(line, LINE);
  assertStringIncludes(
    add.stderr,
    `[verbose] Add: default:stderr:${pod.uid}:cluster(cluster):eth0`,
  );
  assertEquals(add.json !== undefined, true, "stdout still holds only the result");

  const del = await env.cni({
    command: "DEL",
    pod,
    containerId: "ctr-stderr",
    conf: env.conf({ logToStderr: true, logLevel: "chatty", logFile: undefined }),
  });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertStringIncludes(del.stderr, "multus logging: cannot set logging level to chatty");
});

Deno.test("multus logOptions rotate logFile by maxSize and keep maxBackups (ours: Go's thin plugin ignores logOptions, quirk 4)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const dir = `${env.root}/logs`;
  await Deno.mkdir(dir);
  const logFile = `${dir}/multus.log`;
  const old = "0".repeat(1024 * 1024 + 10) + "\n";
  await Deno.writeTextFile(logFile, old);
  await Deno.writeTextFile(`${dir}/multus-2020-01-01T00-00-00.000.log`, "oldest\n");
  await Deno.writeTextFile(`${dir}/multus-2021-01-01T00-00-00.000.log`, "older\n");
  const now = new Date();
  await Deno.utime(`${dir}/multus-2020-01-01T00-00-00.000.log`, now, now);
  await Deno.utime(`${dir}/multus-2021-01-01T00-00-00.000.log`, now, now);
  const pod = env.pod("rotate");
  const conf = env.conf({
    logFile,
    logLevel: "verbose",
    logOptions: { maxSize: 1, maxBackups: 2, maxAge: 30, compress: false },
  });

  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-rot", conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const files = (await filesUnder(dir)).filter((f) => f !== "multus.log");
  assertEquals(files.length, 2, files.join(" "));
  assertEquals(files[0], "multus-2021-01-01T00-00-00.000.log", "the oldest backup was pruned");
  assertMatch(files[1]!, /^multus-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/);
  assertEquals(await Deno.readTextFile(`${dir}/${files[1]}`), old, "the full file was rotated");
  const fresh = await Deno.readTextFile(logFile);
  assertMatch(fresh.split("\n")[0]!, LINE);
  assertStringIncludes(fresh, "Add: default:rotate:");

  // compress (the default) gzips the rotated file.
  await Deno.writeTextFile(logFile, old, { append: true });
  const del = await env.cni({
    command: "DEL",
    pod,
    containerId: "ctr-rot",
    conf: env.conf({ logFile, logLevel: "verbose", logOptions: { maxSize: 1, maxBackups: 5 } }),
  });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  const gz = (await filesUnder(dir)).filter((f) => f.endsWith(".log.gz"));
  assertEquals(gz.length, 1, (await filesUnder(dir)).join(" "));
  assertEquals((await Deno.stat(logFile)).size < 64 * 1024, true);
});
