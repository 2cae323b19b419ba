import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("Backoff.next() doubles from 200 ms to a 5 s cap", () => {
  const b = new Backoff({ random: () => 0.5 });
  assertEquals(Array.from({ length: 8 }, () => b.next()), [
    200,
    400,
    800,
    1600,
    3200,
    5000,
    5000,
    5000,
  ]);
  assertEquals(b.attempts, 8);
});

Deno.test("Backoff.next() spreads each delay by +-20 % and never exceeds the cap", () => {
  const low = new Backoff({ random: () => 0 });
  const high = new Backoff({ random: () => 0.999999 });
  assertEquals([low.next(), low.next()], [160, 320]);
  assertEquals([high.next(), high.next()], [240, 480]);
  for (let i = 0; i < 10; i++) ok(high.next() <= 5000);
  for (let i = 0; i < 10; i++) low.next();
  assertEquals(low.next(), 4000);
});

Deno.test("Backoff.reset() starts over", () => {
  const b = new Backoff({ initialMs: 10, maxMs: 100, jitter: 0 });
  assertEquals([b.next(), b.next(), b.next()], [10, 20, 40]);
  b.reset();
  assertEquals([b.attempts, b.next()], [0, 10]);
});
