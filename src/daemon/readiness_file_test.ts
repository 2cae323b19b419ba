import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { waitForReadinessFile } from "./readiness_file.ts";
import { FakeClock } from "../../tests/support/fake_clock.ts";
import { denoFs } from "../platform/fs.ts";

Deno.test("waitForReadinessFile() times out after 45 s with Multus's message", async () => {
  const clock = new FakeClock();
  const path = "/nonexistent/ready";
  await rejects(
    waitForReadinessFile(path, { fs: denoFs, clock }),
    new Error(
      `have you checked that your default network is ready? still waiting for readinessindicatorfile @ ${path}. pollimmediate error: timed out waiting for the condition`,
    ),
  );
  strictEqual(clock.slept.length, 45);
});

Deno.test("waitForReadinessFile() returns once the file exists", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const clock = new FakeClock(async (n) => {
      if (n === 3) await Deno.writeTextFile(`${dir}/ready`, "");
    });
    await waitForReadinessFile(`${dir}/ready`, { fs: denoFs, clock });
    deepStrictEqual(clock.slept, [1000, 1000, 1000]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
