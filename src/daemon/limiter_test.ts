import { assertEquals, assertRejects } from "../../tests/support/assert.ts";
import { CniError } from "../cni/error.ts";
import { Limiter } from "./limiter.ts";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

Deno.test("Limiter.run() runs at most `limit` at once and queues the rest in order", async () => {
  const limiter = new Limiter(2, 10);
  const gates = [deferred(), deferred(), deferred()];
  const order: number[] = [];
  const runs = gates.map((g, i) =>
    limiter.run(async () => {
      order.push(i);
      await g.promise;
    })
  );
  await Promise.resolve();
  assertEquals([limiter.inFlight, limiter.queued], [2, 1]);
  gates[0]!.resolve();
  await runs[0];
  await Promise.resolve();
  assertEquals(order, [0, 1, 2]);
  gates[1]!.resolve();
  gates[2]!.resolve();
  await Promise.all(runs);
  assertEquals([limiter.inFlight, limiter.queued], [0, 0]);
});

Deno.test("Limiter.run() refuses with CNI code 11 when the queue is full", async () => {
  const limiter = new Limiter(1, 1);
  const gate = deferred();
  const first = limiter.run(() => gate.promise);
  const second = limiter.run(() => Promise.resolve());
  const err = await assertRejects(() => limiter.run(() => Promise.resolve()), CniError);
  assertEquals(err.code, 11);
  assertEquals(err.message.includes("connectionLimit 1"), true);
  gate.resolve();
  await Promise.all([first, second]);
});

Deno.test("Limiter.idle() resolves once nothing runs", async () => {
  const limiter = new Limiter(null, 0);
  const gate = deferred();
  const run = limiter.run(() => gate.promise);
  let idle = false;
  const waiting = limiter.idle().then(() => idle = true);
  await Promise.resolve();
  assertEquals(idle, false);
  gate.resolve();
  await run;
  await waiting;
  assertEquals(idle, true);
});
