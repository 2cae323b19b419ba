import { assert, assertEquals } from "../../tests/support/assert.ts";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { LAZY_MODULES } from "../../scripts/build.ts";

const SRC = dirname(dirname(fileURLToPath(import.meta.url)));
const ROOT = dirname(SRC);

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...await sources(path));
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(path);
  }
  return out;
}

Deno.test("every importLazily() target is in the build's LAZY_MODULES, and nothing else is", async () => {
  const found = new Set<string>();
  const call = /importLazily<[^>]*>\(\s*new URL\("([^"]+)", import\.meta\.url\)/g;
  for (const file of await sources(SRC)) {
    for (const m of (await Deno.readTextFile(file)).matchAll(call)) {
      found.add(relative(ROOT, join(dirname(file), m[1]!)));
    }
  }
  assertEquals([...found].sort(), [...LAZY_MODULES].sort());
});

/**
 * What Deno loads when `entry` starts: its graph followed through code dependencies only
 * (static imports and statically analysable `import()`; type-only imports are not loaded).
 */
async function startupGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", join(SRC, entry)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: Array<{ specifier: string; dependencies?: Array<{ code?: { specifier: string } }> }>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...info.roots];
  while (queue.length > 0) {
    const spec = queue.pop()!;
    if (seen.has(spec)) continue;
    seen.add(spec);
    for (const d of bySpecifier.get(spec)?.dependencies ?? []) {
      if (d.code) queue.push(d.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("the per-pod entries load no npm package and no Node.js module at start-up", async () => {
  const perPod = ["entry/thin.ts", "multus/main.ts", "entry/shim.ts", "entry/passthru.ts"];
  for (const entry of perPod) {
    const heavy = (await startupGraph(entry)).filter((s) => /^(npm|node):/.test(s));
    assertEquals(heavy, [], entry);
  }
  const shim = await startupGraph("entry/shim.ts");
  assert(!shim.some((s) => s.endsWith("/engine/engine.wasm")), "the shim loads no engine");
});

Deno.test("the thin plugin starts without any command's modules; DEL's graph has no API client, resolver or status writer", async () => {
  const local = (graph: string[]) =>
    graph.filter((s) => s.startsWith("file:")).map((s) => relative(SRC, fileURLToPath(s)));
  const start = local(await startupGraph("multus/main.ts"));
  for (const m of ["multus/add.ts", "multus/del.ts", "kube/client.ts", "kube/mod.ts"]) {
    assert(!start.includes(m), `${m} is loaded at start-up`);
  }
  const del = local(await startupGraph("multus/del.ts"));
  assert(del.includes("cni/conflist.ts"), del.join(" "));
  for (
    const m of ["kube/client.ts", "kube/mod.ts", "multus/resolve.ts", "multus/status_write.ts"]
  ) {
    assert(!del.includes(m), `DEL loads ${m}`);
  }
});

Deno.test("the daemon's entry loads no npm package and no Node.js module at start-up", async () => {
  // Each costs the long-lived daemon RSS for its life: jsonschema and prom-client did.
  const heavy = (await startupGraph("entry/daemon.ts")).filter((s) => /^(npm|node):/.test(s));
  assertEquals(heavy, []);
});
