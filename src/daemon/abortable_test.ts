import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { untilAborted } from "./abortable.ts";

async function eventually(what: string, cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

Deno.test("untilAborted() ends at once on abort even when the source ignores it, and closes it later", async () => {
  let release = (): void => {};
  let closed = false;
  async function* deaf(): AsyncGenerator<number> {
    try {
      yield 1;
      await new Promise<void>((r) => release = r);
      yield 2;
    } finally {
      closed = true;
    }
  }
  const stop = new AbortController();
  const seen: number[] = [];
  const consuming = (async () => {
    for await (const n of untilAborted(deaf(), stop.signal)) seen.push(n);
  })();
  await eventually("the first item", () => seen.length === 1);
  stop.abort();
  await consuming;
  assertEquals([seen, closed], [[1], false]);
  release();
  await eventually("the source closed", () => closed);
});

Deno.test("untilAborted() closes the source when the consumer stops early", async () => {
  let closed = false;
  async function* source(): AsyncGenerator<number> {
    try {
      yield 1;
      yield 2;
    } finally {
      closed = true;
    }
  }
  for await (const _ of untilAborted(source(), new AbortController().signal)) break;
  assertEquals(closed, true);
});
