import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { KubeApiError } from "./errors.ts";
import { DEFAULT_RETRY, retryOnConflict } from "./retry.ts";

const conflict = (n: number) =>
  new KubeApiError(409, {
    method: "PUT",
    path: "/x",
    status: { kind: "Status", code: 409, reason: "Conflict", message: `conflict ${n}` },
  });

function clock() {
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: { now: () => 0, sleep: (ms: number) => (sleeps.push(ms), Promise.resolve()) },
  };
}

Deno.test("DEFAULT_RETRY is client-go's retry.DefaultRetry", () => {
  assertEquals(DEFAULT_RETRY, { steps: 5, durationMs: 10, factor: 1, jitter: 0.1 });
});

Deno.test("retryOnConflict() returns the first success, pausing 10 ms plus up to 10 % between tries", async () => {
  const c = clock();
  const tries: number[] = [];
  const out = await retryOnConflict(async (attempt) => {
    tries.push(attempt);
    if (attempt < 3) throw conflict(attempt);
    return await Promise.resolve("ok");
  }, { clock: c.clock, random: () => 0.99 });
  assertEquals(out, "ok");
  assertEquals(tries, [1, 2, 3]);
  assertEquals(c.sleeps.map((ms) => Math.round(ms * 100) / 100), [10.99, 10.99]);
});

Deno.test("retryOnConflict() rejects with the last error after 5 conflicting tries", async () => {
  const c = clock();
  let tries = 0;
  await rejects(
    retryOnConflict(() => Promise.reject(conflict(++tries)), { clock: c.clock, random: () => 0 }),
    (err: unknown) => err instanceof KubeApiError && err.message === "conflict 5",
  );
  assertEquals(tries, 5);
  assertEquals(c.sleeps, [10, 10, 10, 10]);
});

Deno.test("retryOnConflict() does not retry an error that is not a conflict", async () => {
  const c = clock();
  let tries = 0;
  await rejects(
    retryOnConflict(() => {
      tries++;
      return Promise.reject(new Error("boom"));
    }, { clock: c.clock }),
    /boom/,
  );
  assertEquals(tries, 1);
  assertEquals(c.sleeps, []);
});
