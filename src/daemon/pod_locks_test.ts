import { assertEquals } from "../../tests/support/assert.ts";
import { PodLocks } from "./pod_locks.ts";

Deno.test("PodLocks.run() serialises tasks of one pod and runs other pods at once", async () => {
  const locks = new PodLocks();
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const a = locks.run("ns/a", async () => {
    order.push("a1 start");
    await gate;
    order.push("a1 end");
  });
  const a2 = locks.run("ns/a", () => {
    order.push("a2");
    return Promise.resolve();
  });
  await locks.run("ns/b", () => {
    order.push("b");
    return Promise.resolve();
  });
  release();
  await Promise.all([a, a2]);
  assertEquals(order, ["a1 start", "b", "a1 end", "a2"]);
  assertEquals(locks.busy, 0);
});

Deno.test("PodLocks.run() goes on after a failed task", async () => {
  const locks = new PodLocks();
  const failed = locks.run("k", () => Promise.reject(new Error("boom")));
  const next = locks.run("k", () => Promise.resolve(7));
  assertEquals(await failed.catch((e) => (e as Error).message), "boom");
  assertEquals(await next, 7);
});

Deno.test("PodLocks.abortHotplugs() aborts running and waiting hot-plugs of the pod only", async () => {
  const locks = new PodLocks();
  const seen: boolean[] = [];
  let started!: () => void;
  const running = new Promise<void>((r) => started = r);
  const first = locks.runHotplug("k", async (signal) => {
    started();
    await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
    seen.push(signal.aborted);
  });
  const waiting = locks.runHotplug("k", (signal) => {
    seen.push(signal.aborted);
    return Promise.resolve();
  });
  const other = locks.runHotplug("other", (signal) => Promise.resolve(signal.aborted));
  await running;
  locks.abortHotplugs("k");
  await Promise.all([first, waiting]);
  assertEquals(seen, [true, true]);
  assertEquals(await other, false);
});
