/**
 * Runs every engine case file (`wasm/tests/cases/<op>/*.json`) through `engine.wasm`,
 * the same files `cargo test` runs natively.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as wasm from "./engine.wasm";
import { callEngine, ENGINE_ABI_VERSION } from "./abi.ts";
import { CniError } from "../cni/error.ts";

const casesDir = new URL("../../wasm/tests/cases/", import.meta.url);

Deno.test("engine.wasm imports nothing and exports the ABI marker", async () => {
  const bytes = await Deno.readFile(new URL("./engine.wasm", import.meta.url));
  const module = new WebAssembly.Module(bytes);
  assertEquals(WebAssembly.Module.imports(module).length, 0);
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  assertEquals(names.includes(`multus_engine_abi_${ENGINE_ABI_VERSION}`), true);
  assertEquals(typeof (wasm as Record<string, unknown>).alloc, "function");
});

for await (const opDir of Deno.readDir(casesDir)) {
  if (!opDir.isDirectory) continue;
  const op = opDir.name;
  const files: string[] = [];
  for await (const f of Deno.readDir(new URL(`${op}/`, casesDir))) {
    if (f.name.endsWith(".json")) files.push(f.name);
  }
  files.sort();
  for (const name of files) {
    const path = new URL(`${op}/${name}`, casesDir);
    const kase = JSON.parse(await Deno.readTextFile(path));
    Deno.test(`engine ${op}() case ${name.replace(/\.json$/, "")}`, () => {
      const expect = kase.expect;
      let got: unknown;
      try {
        got = { ok: callEngine(op, kase.input) };
      } catch (err) {
        if (!(err instanceof CniError)) throw err;
        got = {
          error: {
            code: err.code,
            msg: err.message,
            ...(expect.error?.details !== undefined ? { details: err.details } : {}),
          },
        };
      }
      assertEquals(got, expect);
    });
  }
}
