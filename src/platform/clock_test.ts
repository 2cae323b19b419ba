import { ok, strictEqual } from "node:assert/strict";
import { realClock } from "./clock.ts";

Deno.test("realClock.sleep() waits about the given time", async () => {
  const t0 = realClock.now();
  await realClock.sleep(30);
  ok(realClock.now() - t0 >= 25);
});

Deno.test("realClock.sleep() returns at once when aborted and leaves no timer", async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const slept = realClock.sleep(60_000, ac.signal);
  ac.abort();
  await slept;
  ok(Date.now() - t0 < 1000);
  strictEqual(await realClock.sleep(60_000, ac.signal), undefined);
});
