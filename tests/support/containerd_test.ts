import { assertRejects, assertStringIncludes } from "./assert.ts";
import { CONTAINERD_BINARIES, requireContainerd } from "./containerd.ts";

Deno.test("requireContainerd() fails naming every missing or non-executable binary and how to install it, never skips", async () => {
  const plain = await Deno.makeTempFile({ prefix: "cnitest-" });
  try {
    await Deno.chmod(plain, 0o644);
    const err = await assertRejects(
      () => requireContainerd([...CONTAINERD_BINARIES, "/nonexistent/runc", plain]),
      Error,
    );
    assertStringIncludes(err.message, `missing: /nonexistent/runc, ${plain} `);
    assertStringIncludes(err.message, "apt-get install containerd runc");
  } finally {
    await Deno.remove(plain);
  }
});
