// deno-lint-ignore-file no-console
/**
 * `deno task demo`: one node, one pod, three extra networks, end to end (see
 * `scripts/demo/run.ts`). `--thin` runs the thin plugin instead of the daemon and shim.
 *
 * This entry builds `dist/` first, then loads the demo body. The body reaches
 * `src/engine/engine.wasm`, which only exists after the build, so it is imported with a
 * specifier Deno cannot resolve ahead of time (a literal `import()` target would be
 * loaded, and fail, before this module runs).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { build } from "./build.ts";
import type { runDemo } from "./demo/run.ts";

function fail(message: string, code = 1): never {
  console.error(`demo: ${message}`);
  Deno.exit(code);
}
const describe = (err: unknown) => err instanceof Error ? err.message : String(err);

let mode: "thick" | "thin" = "thick";
try {
  const { values } = parseArgs({ args: Deno.args, options: { thin: { type: "boolean" } } });
  if (values.thin) mode = "thin";
} catch (err) {
  fail(`${describe(err)}; usage: deno task demo [--thin]`, 2);
}
if (Deno.uid() !== 0) fail("run as root (it creates a network namespace and links)");
// The build is quiet; only the first one, which takes a while, says so.
const built = await Deno.stat(new URL("../dist/BUILD.json", import.meta.url)).then(
  () => true,
  () => false,
);
if (!built) console.error("demo: building dist/ ...");
try {
  await build({ quiet: true });
} catch (err) {
  fail(`the build failed: ${describe(err)}`);
}
const body = new URL("./demo/run.ts", import.meta.url).href;
const demo: { runDemo: typeof runDemo } = await import(body);
Deno.exit(await demo.runDemo(mode));
