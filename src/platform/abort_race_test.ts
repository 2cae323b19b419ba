import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { ABORTED, raceAbort } from "./abort_race.ts";

/** An AbortSignal that counts the abort listeners it holds. */
function countingSignal(): { signal: AbortSignal; controller: AbortController; held(): number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let held = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, fn: EventListener, opts?: AddEventListenerOptions) => {
    held++;
    add(type, fn, opts);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, fn: EventListener) => {
    held--;
    remove(type, fn);
  }) as typeof signal.removeEventListener;
  return { signal, controller, held: () => held };
}

Deno.test("raceAbort() gives the value and holds nothing once each wait settles", async () => {
  const s = countingSignal();
  for (let i = 0; i < 1000; i++) assertEquals(await raceAbort(Promise.resolve(i), s.signal), i);
  await assertRejects(raceAbort(Promise.reject(new Error("boom")), s.signal), /boom/);
  // A loop over one long-lived abort promise would hold a reaction (and its value) per turn.
  assertEquals(s.held(), 0);
});

Deno.test("raceAbort() resolves ABORTED when the signal aborts first, or has aborted", async () => {
  const s = countingSignal();
  const pending = raceAbort(new Promise<never>(() => {}), s.signal);
  s.controller.abort();
  assertEquals(await pending, ABORTED);
  assertEquals(await raceAbort(Promise.reject(new Error("late")), s.signal), ABORTED);
});
