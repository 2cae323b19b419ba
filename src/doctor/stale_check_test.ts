import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { checkStaleCaches, STALE_GRACE_MS } from "./stale_check.ts";
import type { CmdArgs } from "../cni/skel.ts";
import type { PathInfo } from "../platform/fs.ts";

const NOW = 10 * STALE_GRACE_MS;

/** Scratch caches only: name -> mtime. */
function scratchFs(files: Record<string, number>) {
  return {
    readText: () => Promise.resolve(null),
    list: (dir: string) => Promise.resolve(dir === "/cni" ? Object.keys(files).sort() : null),
    stat: (p: string): Promise<PathInfo | null> => {
      const m = files[p.slice("/cni/".length)];
      return Promise.resolve(
        m === undefined ? null : { isFile: true, isDirectory: false, size: 1, mtimeMs: m },
      );
    },
  };
}

const args = (c: { containerId: string }) => ({ containerId: c.containerId }) as CmdArgs;

Deno.test("checkStaleCaches() warns an old cache no pod can be named for, never a recent one, and changes nothing", async () => {
  const fs = scratchFs({ old: 0, young: NOW - 1000 });
  const r = await checkStaleCaches("/cni", [], { fs, now: () => NOW }, args);
  assertEquals(r.map((f) => f.verdict), ["warn"]);
  assertMatch(r[0]!.what, /^stale: old \(no pod named; scratch cache\)/);
});

Deno.test("checkStaleCaches() with del runs one DEL per stale container and reports its failure", async () => {
  const fs = scratchFs({ a: 0, b: 0 });
  const deleted: string[] = [];
  const del = (a: CmdArgs) => {
    deleted.push(a.containerId);
    return a.containerId === "b" ? Promise.reject(new Error("plugin failed")) : Promise.resolve();
  };
  const r = await checkStaleCaches("/cni", [], { fs, now: () => NOW, del }, args);
  assertEquals(deleted, ["a", "b"]);
  assertEquals(r.map((f) => f.verdict), ["pass", "fail"]);
  assertMatch(r[1]!.what, /plugin failed/);
});
