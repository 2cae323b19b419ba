import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type ConfigChange, ConfigManager, type ConfigManagerOptions } from "./config_manager.ts";
import type { Clock } from "../platform/clock.ts";
import { generateMultusConf, parseDaemonConf } from "../engine/daemon.ts";
import { FakeWatcher } from "../platform/watch.ts";
import { silentLogger } from "../platform/log.ts";

const FLANNEL = {
  name: "cbr0",
  cniVersion: "0.3.1",
  plugins: [
    { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
    { type: "portmap", capabilities: { portMappings: true } },
  ],
};

/** A temp CNI config dir with the primary, the daemon config and a recorder of changes. */
async function setup(daemon: Record<string, unknown> = {}, primary: unknown = FLANNEL) {
  const dir = await Deno.makeTempDir({ prefix: "multus-cm-" });
  if (primary !== null) {
    await Deno.writeTextFile(`${dir}/10-flannel.conflist`, JSON.stringify(primary));
  }
  const raw = {
    cniVersion: "0.3.1",
    cniConfigDir: dir,
    multusAutoconfigDir: dir,
    multusConfigFile: "auto",
    ...daemon,
  };
  const conf = parseDaemonConf(JSON.stringify(raw));
  const changes: ConfigChange[] = [];
  const watcher = new FakeWatcher();
  const errors: string[] = [];
  const opts: ConfigManagerOptions = {
    watcher,
    logger: { ...silentLogger, error: (m) => errors.push(m) },
    onChange: (c) => changes.push(c),
  };
  return { dir, conf, raw, changes, watcher, errors, opts, out: `${dir}/00-multus.conf` };
}

async function read(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null;
  }
}

/** Resolves when `check()` holds (polling every 10 ms), for the real watcher. */
async function until(check: () => Promise<boolean> | boolean, ms = 4000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Emits a change of `dir` and waits for the manager to settle. */
async function poke(m: ConfigManager, w: FakeWatcher, dir: string): Promise<void> {
  w.emit(dir, ["x"]);
  await m.idle();
}

Deno.test("ConfigManager.start() writes the engine's 00-multus.conf with mode 0600", async () => {
  const t = await setup();
  const m = new ConfigManager(t.conf, t.opts);
  try {
    await m.start();
    const want = generateMultusConf(t.conf.overlay, {
      path: `${t.dir}/10-flannel.conflist`,
      text: JSON.stringify(FLANNEL),
    });
    strictEqual(await read(t.out), want.text);
    strictEqual(m.current(), want.text);
    strictEqual(m.primary(), `${t.dir}/10-flannel.conflist`);
    strictEqual((await Deno.stat(t.out)).mode! & 0o777, 0o600);
    deepStrictEqual(JSON.parse(want.text).capabilities, { portMappings: true });
    deepStrictEqual(t.changes, [{
      kind: "written",
      path: t.out,
      text: want.text,
      primary: `${t.dir}/10-flannel.conflist`,
    }]);
    deepStrictEqual(t.watcher.open(), [t.dir]);
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager regenerates with the union of capabilities when the primary changes", async () => {
  const t = await setup();
  const m = new ConfigManager(t.conf, t.opts);
  try {
    await m.start();
    const changed = structuredClone(FLANNEL) as typeof FLANNEL & { plugins: unknown[] };
    changed.plugins.push({ type: "bandwidth", capabilities: { bandwidth: true, mac: false } });
    await Deno.writeTextFile(`${t.dir}/10-flannel.conflist`, JSON.stringify(changed));
    await poke(m, t.watcher, t.dir);
    const doc = JSON.parse((await read(t.out))!);
    deepStrictEqual(doc.capabilities, { bandwidth: true, portMappings: true });
    strictEqual(t.changes.length, 2);
    await poke(m, t.watcher, t.dir);
    strictEqual(t.changes.length, 2, "an unchanged regeneration writes nothing");
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager follows a primary change through the real file watcher", async () => {
  const t = await setup();
  const { watcher: _fake, ...opts } = t.opts;
  const m = new ConfigManager(t.conf, { ...opts, debounceMs: 20 });
  try {
    await m.start();
    const bridge = { cniVersion: "0.3.1", name: "b", type: "bridge", capabilities: { ips: true } };
    await Deno.writeTextFile(`${t.dir}/10-flannel.conflist.tmp`, JSON.stringify(bridge));
    await Deno.rename(`${t.dir}/10-flannel.conflist.tmp`, `${t.dir}/10-flannel.conflist`);
    await until(async () => (await read(t.out))?.includes('"ips":true') ?? false);
    await Deno.writeTextFile(`${t.dir}/05-early.conf`, JSON.stringify(bridge));
    await until(async () => (await read(t.out))?.includes("05-early.conf") ?? false);
    strictEqual(m.primary(), `${t.dir}/05-early.conf`);
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager switches to a new lexically-first primary", async () => {
  const t = await setup();
  const m = new ConfigManager(t.conf, t.opts);
  try {
    await m.start();
    await Deno.writeTextFile(
      `${t.dir}/05-calico.conflist`,
      JSON.stringify({
        cniVersion: "0.3.1",
        name: "k8s-pod-network",
        plugins: [{ type: "calico" }],
      }),
    );
    await poke(m, t.watcher, t.dir);
    strictEqual(JSON.parse((await read(t.out))!).clusterNetwork, `${t.dir}/05-calico.conflist`);
    strictEqual(m.primary(), `${t.dir}/05-calico.conflist`);
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager never writes an empty file: a bad or deleted primary keeps the last good one", async () => {
  const t = await setup();
  const m = new ConfigManager(t.conf, t.opts);
  try {
    await m.start();
    const good = await read(t.out);
    await Deno.writeTextFile(`${t.dir}/10-flannel.conflist`, "");
    await poke(m, t.watcher, t.dir);
    strictEqual(await read(t.out), good);
    strictEqual(t.changes.at(-1)?.kind, "kept");
    await Deno.remove(`${t.dir}/10-flannel.conflist`);
    await poke(m, t.watcher, t.dir);
    await poke(m, t.watcher, t.dir);
    strictEqual(await read(t.out), good);
    deepStrictEqual(t.changes.map((c) => c.kind), ["written", "kept", "kept"]);
    strictEqual(t.errors.length, 2, "each problem is logged once");
    ok(t.errors[1]!.startsWith(`no primary CNI configuration in ${t.dir}; keeping ${t.out}`));
    await Deno.writeTextFile(`${t.dir}/10-flannel.conflist`, JSON.stringify(FLANNEL));
    await poke(m, t.watcher, t.dir);
    strictEqual(m.current(), good);
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager rewrites 00-multus.conf when someone else removes it", async () => {
  const t = await setup();
  const m = new ConfigManager(t.conf, t.opts);
  try {
    await m.start();
    const good = await read(t.out);
    await Deno.remove(t.out);
    await poke(m, t.watcher, t.dir);
    strictEqual(await read(t.out), good);
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager removes 00-multus.conf when the readiness file goes, and restores it", async () => {
  const t = await setup();
  const ready = `${t.dir}/run/ready`;
  await Deno.mkdir(`${t.dir}/run`);
  await Deno.writeTextFile(ready, "");
  const conf = parseDaemonConf(JSON.stringify({ ...t.raw, readinessindicatorfile: ready }));
  const m = new ConfigManager(conf, { ...t.opts, readiness: { pollMs: 10 } });
  try {
    await m.start();
    deepStrictEqual(t.watcher.open().sort(), [t.dir, `${t.dir}/run`].sort());
    ok(!JSON.parse((await read(t.out))!).readinessindicatorfile, "the key is not written");
    await Deno.remove(`${t.dir}/run`, { recursive: true });
    await poke(m, t.watcher, `${t.dir}/run`);
    strictEqual(await read(t.out), null);
    strictEqual(m.current(), null);
    deepStrictEqual(t.changes.at(-1), {
      kind: "removed",
      path: t.out,
      reason: "readiness-file-removed",
    });
    await poke(m, t.watcher, t.dir);
    strictEqual(await read(t.out), null, "nothing is written while the default network is gone");
    // The directory itself came back: no watch sees it, the poll does.
    await Deno.mkdir(`${t.dir}/run`);
    await Deno.writeTextFile(ready, "");
    await until(async () => (await read(t.out)) !== null);
    strictEqual(t.changes.at(-1)?.kind, "written");
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager.stop() keeps 00-multus.conf and a restart does not rewrite it", async () => {
  const t = await setup();
  const first = new ConfigManager(t.conf, t.opts);
  await first.start();
  await first.stop();
  const text = await read(t.out);
  ok(text);
  const mtime = (await Deno.stat(t.out)).mtime;
  const second = new ConfigManager(t.conf, t.opts);
  try {
    await second.start();
    strictEqual(second.current(), text);
    deepStrictEqual((await Deno.stat(t.out)).mtime, mtime);
    strictEqual(t.changes.length, 1, "only the first start wrote");
    deepStrictEqual(t.watcher.open(), [t.dir]);
  } finally {
    await second.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager.stop() removes the file with cleanupOnExit", async () => {
  const t = await setup({ cleanupOnExit: true });
  const m = new ConfigManager(t.conf, t.opts);
  await m.start();
  await m.stop();
  strictEqual(await read(t.out), null);
  deepStrictEqual(t.changes.at(-1), { kind: "removed", path: t.out, reason: "cleanup-on-exit" });
  deepStrictEqual(t.watcher.open(), []);
  await Deno.remove(t.dir, { recursive: true });
});

Deno.test("ConfigManager.start() fails with the engine's message and writes nothing", async () => {
  const t = await setup({ cniVersion: "1.0.0" });
  const m = new ConfigManager(t.conf, t.opts);
  await rejects(m.start(), (err: unknown) => {
    strictEqual(
      (err as Error).message,
      "failed to load the primary CNI configuration as a multus delegate with error 'delegate cni version is 0.3.1 while top level cni version is 1.0.0'",
    );
    return true;
  });
  strictEqual(await read(t.out), null);
  deepStrictEqual(t.watcher.open(), []);
  await m.stop();
  await Deno.remove(t.dir, { recursive: true });
});

Deno.test("ConfigManager with forceCNIVersion rewrites the primary's version", async () => {
  const t = await setup({ cniVersion: "1.0.0", forceCNIVersion: true });
  const m = new ConfigManager(t.conf, t.opts);
  try {
    await m.start();
    strictEqual(JSON.parse((await read(`${t.dir}/10-flannel.conflist`))!).cniVersion, "1.0.0");
    strictEqual(JSON.parse((await read(t.out))!).cniVersion, "1.0.0");
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});

Deno.test("ConfigManager.start() gives up after 120 s without a primary (fake clock)", async () => {
  const t = await setup({}, null);
  let slept = 0;
  const clock: Clock = {
    now: () => slept,
    sleep: (ms) => {
      slept += ms;
      return Promise.resolve();
    },
  };
  const m = new ConfigManager(t.conf, { ...t.opts, clock });
  await rejects(
    m.start(),
    new Error(
      `failed to find the cluster master CNI plugin: could not find a plugin configuration in ${t.dir}`,
    ),
  );
  strictEqual(slept, 120_000);
  strictEqual(await read(t.out), null);
  await m.stop();
  await Deno.remove(t.dir, { recursive: true });
});

Deno.test("ConfigManager.stop() during discovery aborts start()", async () => {
  const t = await setup({}, null);
  const m = new ConfigManager(t.conf, t.opts);
  const started = m.start();
  await m.stop();
  await rejects(started, (err: unknown) => err instanceof DOMException);
  await Deno.remove(t.dir, { recursive: true });
});

Deno.test("ConfigManager copies a user-provided config atomically and follows it", async () => {
  const t = await setup();
  const src = await Deno.makeTempDir();
  const file = `${src}/70-multus.conf`;
  const body = JSON.stringify({ cniVersion: "0.3.1", name: "multus", type: "multus-shim" });
  await Deno.writeTextFile(file, body);
  const conf = parseDaemonConf(JSON.stringify({ cniConfigDir: t.dir, multusConfigFile: file }));
  const m = new ConfigManager(conf, t.opts);
  try {
    await m.start();
    strictEqual(m.path, `${t.dir}/70-multus.conf`);
    strictEqual(await read(m.path), body);
    deepStrictEqual(t.watcher.open(), [src]);
    await Deno.writeTextFile(file, `${body}\n`);
    await poke(m, t.watcher, src);
    strictEqual(await read(m.path), `${body}\n`);
    await Deno.writeTextFile(file, "  ");
    await poke(m, t.watcher, src);
    strictEqual(await read(m.path), `${body}\n`, "an empty source is not copied");
  } finally {
    await m.stop();
    strictEqual(await read(m.path), `${body}\n`);
    await Deno.remove(t.dir, { recursive: true });
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("ConfigManager.start() fails when the file to copy is missing", async () => {
  const t = await setup();
  const conf = parseDaemonConf(
    JSON.stringify({ cniConfigDir: t.dir, multusConfigFile: `${t.dir}/nope.conf` }),
  );
  const m = new ConfigManager(conf, t.opts);
  await rejects(
    m.start(),
    new Error(
      `failed to copy the user provided configuration ${t.dir}/nope.conf: it does not exist`,
    ),
  );
  await m.stop();
  await Deno.remove(t.dir, { recursive: true });
});

Deno.test("ConfigManager creates a missing cniConfigDir and watches it afterwards", async () => {
  const t = await setup();
  const out = `${t.dir}/out/net.d`;
  const conf = parseDaemonConf(JSON.stringify({ ...t.raw, cniConfigDir: out }));
  const m = new ConfigManager(conf, t.opts);
  try {
    await m.start();
    strictEqual(m.path, `${out}/00-multus.conf`);
    strictEqual(JSON.parse((await read(m.path))!).clusterNetwork, `${t.dir}/10-flannel.conflist`);
    deepStrictEqual(t.watcher.open(), [t.dir, out]);
  } finally {
    await m.stop();
    await Deno.remove(t.dir, { recursive: true });
  }
});
