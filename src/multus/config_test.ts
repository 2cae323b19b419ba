import { assert, assertEquals, assertMatch, assertRejects } from "../../tests/support/assert.ts";
import { CniError } from "../cni/error.ts";
import type { Fs, PathInfo } from "../platform/fs.ts";
import type { Logger } from "../platform/log.ts";
import { type MultusConf, parseMultusConf } from "../engine/multus.ts";
import type { MultusDeps } from "./deps.ts";
import { loadConf, waitForReadiness } from "./config.ts";

/** A clock that only moves when the code under test sleeps. */
class FakeClock {
  ms = 1_000_000;
  sleeps: number[] = [];
  now = (): number => this.ms;
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.ms += ms;
    return Promise.resolve();
  };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => void lines.push(`[debug] ${m}`),
    verbose: (m) => void lines.push(`[verbose] ${m}`),
    error: (m) => void lines.push(`[error] ${m}`),
    warning: (m) => void lines.push(`[error] warning: ${m}`),
    enabled: () => true,
  };
}

const FILE_INFO: PathInfo = { isFile: true, isDirectory: false, size: 0, mtimeMs: null };

/** Deps whose file system holds `file` once `appearsAt` (fake ms) has come. */
function fakeDeps(
  clock: FakeClock,
  opts: { file: string; appearsAt?: number },
): MultusDeps & { stats: number; logger: ReturnType<typeof recordingLogger> } {
  const deps = {
    stats: 0,
    logger: recordingLogger(),
    fs: {
      stat(path: string): Promise<PathInfo | null> {
        deps.stats++;
        const there = path === opts.file && opts.appearsAt !== undefined &&
          clock.ms >= opts.appearsAt;
        return Promise.resolve(there ? FILE_INFO : null);
      },
    } as unknown as Fs,
    sleep: clock.sleep,
    now: clock.now,
  };
  return deps as unknown as MultusDeps & { stats: number; logger: typeof deps.logger };
}

function confWith(extra: Record<string, unknown>): MultusConf {
  return parseMultusConf(JSON.stringify({
    cniVersion: "1.0.0",
    name: "multus-cni-network",
    type: "multus",
    clusterNetwork: "cluster",
    ...extra,
  }));
}

Deno.test("waitForReadiness() returns at once without polling when no readinessindicatorfile is set", async () => {
  const clock = new FakeClock();
  const deps = fakeDeps(clock, { file: "/run/ready" });
  await waitForReadiness(confWith({}), deps);
  assertEquals(deps.stats, 0);
  assertEquals(clock.sleeps, []);
});

Deno.test("waitForReadiness() returns on the first poll when the file exists", async () => {
  const clock = new FakeClock();
  const deps = fakeDeps(clock, { file: "/run/ready", appearsAt: 0 });
  await waitForReadiness(confWith({ readinessindicatorfile: "/run/ready" }), deps);
  assertEquals(deps.stats, 1);
  assertEquals(clock.sleeps, []);
  assertEquals(deps.logger.lines, []);
});

Deno.test("waitForReadiness() polls every second until the file appears", async () => {
  const clock = new FakeClock();
  const deps = fakeDeps(clock, { file: "/run/ready", appearsAt: clock.ms + 10_000 });
  await waitForReadiness(confWith({ readinessindicatorfile: "/run/ready" }), deps);
  assertEquals(clock.sleeps, Array(10).fill(1000));
  assertEquals(deps.stats, 11);
  assertEquals(deps.logger.lines, ["[debug] waiting for readinessindicatorfile @ /run/ready"]);
});

Deno.test("waitForReadiness() gives up after 45 s with Multus's message", async () => {
  const clock = new FakeClock();
  const started = clock.ms;
  const deps = fakeDeps(clock, { file: "/run/ready" });
  const err = await assertRejects(
    () => waitForReadiness(confWith({ readinessindicatorfile: "/run/ready" }), deps),
    Error,
  );
  assertEquals(
    err.message,
    "have you checked that your default network is ready? still waiting for readinessindicatorfile @ /run/ready. pollimmediate error: timed out waiting for the condition",
  );
  assertEquals(clock.ms - started, 45_000, "waited exactly the 45 s limit");
  assertEquals(clock.sleeps.every((ms) => ms === 1000), true);
  assertEquals(deps.stats, 46, "a poll at 0 s and after every second up to 45 s");
});

Deno.test("waitForReadiness() still finds a file that appears at the 45th second", async () => {
  const clock = new FakeClock();
  const deps = fakeDeps(clock, { file: "/run/ready", appearsAt: clock.ms + 45_000 });
  await waitForReadiness(confWith({ readinessindicatorfile: "/run/ready" }), deps);
  assertEquals(clock.sleeps.length, 45);
});

Deno.test("waitForReadiness() honours the deps' poll interval and limit", async () => {
  const clock = new FakeClock();
  const deps = {
    ...fakeDeps(clock, { file: "/run/ready" }),
    readiness: { pollMs: 50, timeoutMs: 200 },
  };
  await assertRejects(
    () => waitForReadiness(confWith({ readinessindicatorfile: "/run/ready" }), deps),
    Error,
  );
  assertEquals(clock.sleeps, [50, 50, 50, 50]);
});

Deno.test("loadConf() wraps every config problem as 'Multus: error loading netconf: ' with code 7", () => {
  const clock = new FakeClock();
  const deps = fakeDeps(clock, { file: "" });
  let err: unknown;
  try {
    loadConf('{"cniVersion":"1.0.0","name":"m","type":"multus"}', deps);
  } catch (e) {
    err = e;
  }
  assert(err instanceof CniError);
  assertEquals(err.code, 7);
  assertEquals(
    err.message,
    "Multus: error loading netconf: LoadNetConf: at least one delegate/clusterNetwork must be specified",
  );
});

Deno.test("loadConf() applies logging and logs the config's warnings", () => {
  const clock = new FakeClock();
  const deps = fakeDeps(clock, { file: "" });
  const applied: MultusConf[] = [];
  const conf = loadConf(
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "m",
      type: "multus",
      clusterNetwork: "c",
      logLevel: "chatty",
    }),
    { ...deps, configureLogging: (c) => void applied.push(c) },
  );
  assertEquals(applied.length, 1);
  assertEquals(applied[0]?.clusterNetwork, "c");
  assertEquals(conf.warnings.length > 0, true);
  assertMatch(deps.logger.lines.join("\n"), /\[error\] warning: .*chatty/);
});
