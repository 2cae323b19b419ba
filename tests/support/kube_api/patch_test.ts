import assert from "node:assert/strict";
import { decodeJsonPatch, jsonPatch, mergePatch } from "./patch.ts";
import { KubeStatusError } from "./status.ts";

Deno.test("mergePatch() merges objects, deletes on null and replaces lists", () => {
  const target = { a: { b: 1, c: 2 }, list: [1, 2], keep: true };
  assert.deepEqual(mergePatch(target, { a: { b: null, d: 3 }, list: [9] }), {
    a: { c: 2, d: 3 },
    list: [9],
    keep: true,
  });
  assert.deepEqual(target, { a: { b: 1, c: 2 }, list: [1, 2], keep: true });
});

Deno.test("jsonPatch() applies add, replace, remove, move, copy and test in order", () => {
  const doc = { metadata: { annotations: { "a/b": "1" } }, list: ["x", "z"] };
  const out = jsonPatch(
    doc,
    decodeJsonPatch([
      { op: "test", path: "/metadata/annotations/a~1b", value: "1" },
      { op: "replace", path: "/metadata/annotations/a~1b", value: "2" },
      { op: "add", path: "/metadata/annotations/c~0d", value: "3" },
      { op: "add", path: "/list/1", value: "y" },
      { op: "add", path: "/list/-", value: "end" },
      { op: "remove", path: "/list/0" },
      { op: "copy", from: "/list/0", path: "/first" },
      { op: "move", from: "/first", path: "/moved" },
    ]),
  );
  assert.deepEqual(out, {
    metadata: { annotations: { "a/b": "2", "c~d": "3" } },
    list: ["y", "z", "end"],
    moved: "y",
  });
});

Deno.test("jsonPatch() fails with 422 when a test operation does not hold", () => {
  assert.throws(
    () => jsonPatch({ a: 1 }, decodeJsonPatch([{ op: "test", path: "/a", value: 2 }])),
    (error: unknown) => {
      assert.ok(error instanceof KubeStatusError);
      assert.equal(error.code, 422);
      assert.equal(error.status.message, "testing value /a failed: test failed");
      return true;
    },
  );
});

Deno.test("jsonPatch() fails with 422 when removing or replacing a missing key", () => {
  for (const op of ["remove", "replace"]) {
    assert.throws(
      () => jsonPatch({ a: 1 }, decodeJsonPatch([{ op, path: "/b", value: 1 }])),
      (error: unknown) => error instanceof KubeStatusError && error.code === 422,
    );
  }
});

Deno.test("decodeJsonPatch() fails with 400 when the patch is not a list", () => {
  assert.throws(
    () => decodeJsonPatch({ op: "add" }),
    (error: unknown) => error instanceof KubeStatusError && error.code === 400,
  );
});
