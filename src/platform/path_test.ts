import * as posix from "node:path";
import { assertEquals } from "../../tests/support/assert.ts";
import { basename, dirname, extname, join, normalize, resolve } from "./path.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "a/",
  "/a",
  "/a/",
  "/a//b/",
  "a/b/c.conf",
  "/etc/cni/net.d/00-multus.conf",
  "/etc/cni/net.d/",
  "./a/../b",
  "../../a",
  "/../a",
  ".hidden",
  "a/.hidden",
  "a.b.c",
  "a.",
  "/x/y/../../..",
];

Deno.test("path helpers give node:path's posix results", () => {
  for (const p of PATHS) {
    assertEquals(normalize(p), posix.posix.normalize(p), `normalize(${JSON.stringify(p)})`);
    assertEquals(basename(p), posix.posix.basename(p), `basename(${JSON.stringify(p)})`);
    assertEquals(dirname(p), posix.posix.dirname(p), `dirname(${JSON.stringify(p)})`);
    assertEquals(extname(p), posix.posix.extname(p), `extname(${JSON.stringify(p)})`);
    assertEquals(resolve(p), posix.posix.resolve(p), `resolve(${JSON.stringify(p)})`);
    for (const q of PATHS) {
      assertEquals(join(p, q), posix.posix.join(p, q), `join(${JSON.stringify([p, q])})`);
    }
  }
});
