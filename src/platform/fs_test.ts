import { assert, assertEquals } from "../../tests/support/assert.ts";
import { denoFs, denoSyncFs, type Fs } from "./fs.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

for (const [name, fs] of [["denoFs", denoFs], ["denoSyncFs", denoSyncFs]] as [string, Fs][]) {
  Deno.test(`${name}: writeAtomic() creates missing directories with dirMode and the file with its mode`, async () => {
    const root = await Deno.makeTempDir();
    try {
      const path = `${root}/a/b/result.json`;
      await fs.writeAtomic(path, '{"x":1}', { mode: 0o600, dirMode: 0o700 });
      assertEquals(await Deno.readTextFile(path), '{"x":1}');
      assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
      assertEquals((await Deno.stat(`${root}/a/b`)).mode! & 0o777, 0o700);
      await fs.writeAtomic(`${root}/a/b/shared.conf`, "x", { mode: 0o644 });
      assertEquals((await Deno.stat(`${root}/a/b/shared.conf`)).mode! & 0o777, 0o644);
      assertEquals(
        await names(`${root}/a/b`),
        ["result.json", "shared.conf"],
        "no temp files left",
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  Deno.test(`${name}: writeAtomic() replaces an existing file whole, durable or not, and leaves no temp file`, async () => {
    const root = await Deno.makeTempDir();
    try {
      const path = `${root}/f`;
      await Deno.writeTextFile(path, "old content that is longer");
      await fs.writeAtomic(path, "new");
      assertEquals(await Deno.readTextFile(path), "new");
      await fs.writeAtomic(path, new TextEncoder().encode("durable"), { durable: true });
      assertEquals(await Deno.readTextFile(path), "durable");
      assertEquals(await names(root), ["f"]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  Deno.test(`${name}: writeAtomic() fails when the target is a directory, keeping it and leaving no temp file`, async () => {
    const root = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${root}/target`);
      let failed = false;
      try {
        await fs.writeAtomic(`${root}/target`, "x");
      } catch {
        failed = true;
      }
      assert(failed, "writing over a directory fails");
      assertEquals(await names(root), ["target"]);
      assert((await Deno.stat(`${root}/target`)).isDirectory);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  Deno.test(`${name}: a missing path is null, false or nothing, and other failures reject`, async () => {
    const root = await Deno.makeTempDir();
    try {
      const gone = `${root}/gone`;
      assertEquals(await fs.readText(gone), null);
      assertEquals(await fs.stat(gone), null);
      assertEquals(await fs.list(gone), null);
      assertEquals(await fs.remove(gone), false);
      await fs.removeTree(gone);
      await fs.mkdirp(`${root}/d/e`, 0o700);
      await fs.writeAtomic(`${root}/d/e/f`, "text");
      assertEquals(await fs.readText(`${root}/d/e/f`), "text");
      const info = await fs.stat(`${root}/d/e/f`);
      assertEquals([info?.isFile, info?.isDirectory, info?.size], [true, false, 4]);
      assertEquals(await fs.list(`${root}/d/e`), ["f"]);
      assertEquals(await fs.remove(`${root}/d/e/f`), true);
      let rejected = false;
      await fs.readText(`${root}/d`).catch(() => rejected = true);
      assert(rejected, "reading a directory rejects");
      await fs.removeTree(`${root}/d`);
      assertEquals(await fs.stat(`${root}/d`), null);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}
