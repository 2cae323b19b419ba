import { assert, assertEquals } from "../../tests/support/assert.ts";
import { denoFs } from "./fs.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("writeAtomic() creates missing directories with dirMode and the file with its mode", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/a/b/result.json`;
    await denoFs.writeAtomic(path, '{"x":1}', { mode: 0o600, dirMode: 0o700 });
    assertEquals(await Deno.readTextFile(path), '{"x":1}');
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/a/b`)).mode! & 0o777, 0o700);
    await denoFs.writeAtomic(`${root}/a/b/shared.conf`, "x", { mode: 0o644 });
    assertEquals((await Deno.stat(`${root}/a/b/shared.conf`)).mode! & 0o777, 0o644);
    assertEquals(await names(`${root}/a/b`), ["result.json", "shared.conf"], "no temp files left");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeAtomic() replaces an existing file whole, durable or not, and leaves no temp file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/f`;
    await Deno.writeTextFile(path, "old content that is longer");
    await denoFs.writeAtomic(path, "new");
    assertEquals(await Deno.readTextFile(path), "new");
    await denoFs.writeAtomic(path, new TextEncoder().encode("durable"), { durable: true });
    assertEquals(await Deno.readTextFile(path), "durable");
    assertEquals(await names(root), ["f"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeAtomic() fails when the target is a directory, keeping it and leaving no temp file", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/target`);
    let failed = false;
    try {
      await denoFs.writeAtomic(`${root}/target`, "x");
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
