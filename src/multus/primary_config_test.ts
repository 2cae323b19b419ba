import { rejects, strictEqual } from "node:assert/strict";
import {
  findPrimaryConfig,
  isPrimaryCandidate,
  locatePrimary,
  pickPrimary,
} from "./primary_config.ts";
import { FakeClock } from "../../tests/support/fake_clock.ts";
import { denoFs } from "../platform/fs.ts";

Deno.test("isPrimaryCandidate() keeps .conf and .conflist and skips 00-multus*", () => {
  const table: Array<[string, boolean]> = [
    ["10-flannel.conflist", true],
    ["10-bridge.conf", true],
    ["99-loopback.conf", true],
    [".conf", true],
    ["00-multus.conf", false],
    ["00-multus.conflist", false],
    ["00-multus-old.conf", false],
    ["10-calico.conflist.bak", false],
    ["10-x.json", false],
    [".00-multus.conf.12.0.tmp", false],
    ["multus.d", false],
  ];
  for (const [name, want] of table) strictEqual(isPrimaryCandidate(name), want, name);
});

Deno.test("pickPrimary() takes the lexically first candidate in byte order", () => {
  strictEqual(pickPrimary(["20-b.conf", "10-a.conflist", "00-multus.conf"]), "10-a.conflist");
  strictEqual(pickPrimary(["a.conf", "B.conf"]), "B.conf");
  strictEqual(pickPrimary(["00-multus.conf", "x.json"]), null);
});

Deno.test("locatePrimary() treats a missing directory as empty", async () => {
  strictEqual(await locatePrimary("/nonexistent/multus-test", { fs: denoFs }), null);
});

Deno.test("findPrimaryConfig() gives up after 120 listings a second apart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const clock = new FakeClock();
    await rejects(
      findPrimaryConfig(dir, { fs: denoFs, clock }),
      new Error(
        `failed to find the cluster master CNI plugin: could not find a plugin configuration in ${dir}`,
      ),
    );
    strictEqual(clock.slept.length, 120);
    strictEqual(clock.slept.reduce((a, b) => a + b, 0), 120_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findPrimaryConfig() returns the primary once it appears", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const clock = new FakeClock(async (n) => {
      if (n === 5) await Deno.writeTextFile(`${dir}/10-flannel.conflist`, "{}");
      if (n === 3) await Deno.writeTextFile(`${dir}/00-multus.conf`, "{}");
    });
    strictEqual(await findPrimaryConfig(dir, { fs: denoFs, clock }), `${dir}/10-flannel.conflist`);
    strictEqual(clock.slept.length, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findPrimaryConfig() waits for the file multusMasterCNI names", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/05-other.conf`, "{}");
    const clock = new FakeClock(async (n) => {
      if (n === 2) await Deno.writeTextFile(`${dir}/10-calico.conflist`, "{}");
    });
    const opts = { fs: denoFs, clock, masterName: "10-calico.conflist" };
    strictEqual(await findPrimaryConfig(dir, opts), `${dir}/10-calico.conflist`);
    await rejects(
      findPrimaryConfig(dir, { ...opts, masterName: "nope.conf", attempts: 3 }),
      new Error(
        `failed to find the cluster master CNI plugin: could not find the plugin configuration ${dir}/nope.conf (multusMasterCNI)`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findPrimaryConfig() stops when aborted", async () => {
  const ac = new AbortController();
  const clock = new FakeClock((n) => {
    if (n === 2) ac.abort();
  });
  await rejects(
    findPrimaryConfig("/nonexistent/multus-test", { fs: denoFs, clock, signal: ac.signal }),
    (err: unknown) => err instanceof DOMException && err.name === "AbortError",
  );
  strictEqual(clock.slept.length, 2);
});
