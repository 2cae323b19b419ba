import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { denoWatcher, FakeWatcher } from "./watch.ts";

/** Resolves when `check()` holds, polling every 10 ms; rejects after `ms`. */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

Deno.test("denoWatcher.watch() reports the name of a file written in the directory", async () => {
  const dir = await Deno.makeTempDir();
  const seen: string[][] = [];
  const w = denoWatcher.watch(dir, (names) => seen.push(names), { debounceMs: 20 });
  try {
    await Deno.writeTextFile(`${dir}/10-bridge.conf`, "{}");
    await until(() => seen.flat().includes("10-bridge.conf"));
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoWatcher.watch() merges a burst of events into one notification", async () => {
  const dir = await Deno.makeTempDir();
  const seen: string[][] = [];
  const w = denoWatcher.watch(dir, (names) => seen.push(names), { debounceMs: 150 });
  try {
    await Deno.writeTextFile(`${dir}/.a.tmp`, "{");
    await Deno.writeTextFile(`${dir}/.a.tmp`, "{}", { append: true });
    await Deno.rename(`${dir}/.a.tmp`, `${dir}/a.conf`);
    await Deno.writeTextFile(`${dir}/b.conflist`, "{}");
    await until(() => seen.length > 0);
    await sleep(300);
    strictEqual(seen.length, 1);
    deepStrictEqual(seen[0], [".a.tmp", "a.conf", "b.conflist"]);
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoWatcher.watch() reports removal and rename over a file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/ready`, "");
  await Deno.writeTextFile(`${dir}/new`, "");
  const seen: string[][] = [];
  const w = denoWatcher.watch(dir, (names) => seen.push(names), { debounceMs: 20 });
  try {
    await Deno.remove(`${dir}/ready`);
    await until(() => seen.flat().includes("ready"));
    seen.length = 0;
    await Deno.writeTextFile(`${dir}/target`, "old");
    await until(() => seen.flat().includes("target"));
    seen.length = 0;
    await Deno.rename(`${dir}/new`, `${dir}/target`);
    await until(() => seen.flat().includes("target"));
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoWatcher.watch() ignores files inside subdirectories", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/multus.d`);
  const seen: string[][] = [];
  const w = denoWatcher.watch(dir, (names) => seen.push(names), { debounceMs: 20 });
  try {
    await Deno.writeTextFile(`${dir}/multus.d/daemon-config.json`, "{}");
    await sleep(200);
    ok(!seen.flat().includes("daemon-config.json"));
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoWatcher.watch() delivers nothing after close()", async () => {
  const dir = await Deno.makeTempDir();
  const seen: string[][] = [];
  const w = denoWatcher.watch(dir, (names) => seen.push(names), { debounceMs: 50 });
  await Deno.writeTextFile(`${dir}/a.conf`, "{}");
  await w.close();
  await w.close();
  await sleep(120);
  deepStrictEqual(seen, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("denoWatcher.watch() throws NotFound for a missing directory", () => {
  throws(
    () => denoWatcher.watch("/nonexistent/multus-watch-test", () => {}),
    Deno.errors.NotFound,
  );
});

Deno.test("FakeWatcher.emit() reaches the open watches of that directory only", async () => {
  const fake = new FakeWatcher();
  const a: string[][] = [];
  const b: string[][] = [];
  const wa = fake.watch("/etc/cni/net.d/", (n) => a.push(n));
  fake.watch("/run/flannel", (n) => b.push(n));
  strictEqual(fake.emit("/etc/cni/net.d", ["10-flannel.conflist"]), 1);
  deepStrictEqual(a, [["10-flannel.conflist"]]);
  deepStrictEqual(b, []);
  await wa.close();
  strictEqual(fake.emit("/etc/cni/net.d", ["x"]), 0);
  deepStrictEqual(fake.open(), ["/run/flannel"]);
});

Deno.test("FakeWatcher.fail() reports to onError", async () => {
  const fake = new FakeWatcher();
  const errors: unknown[] = [];
  fake.watch("/d", () => {}, { onError: (e) => errors.push(e) });
  fake.fail("/d", new Error("gone"));
  strictEqual(errors.length, 1);
  await rejects(Promise.reject(errors[0]), /gone/);
});
