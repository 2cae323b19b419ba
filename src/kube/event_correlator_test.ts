import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { FakeClock } from "../../tests/support/fake_clock.ts";
import { type Correlation, EventCorrelator } from "./event_correlator.ts";
import { podEvent } from "./events.ts";
import type { Pod } from "./types.ts";

const POD: Pod = { metadata: { name: "web-0", namespace: "ns", uid: "u1" } };
const MIN = 60_000;

function setup(opts: ConstructorParameters<typeof EventCorrelator>[0] = {}) {
  const clock = new FakeClock();
  const c = new EventCorrelator({ now: () => clock.now(), ...opts });
  const correlate = (message: string, pod = POD, reason = "AddedInterface"): Correlation =>
    c.correlate(
      podEvent(pod, { type: "Normal", reason, message, host: "n1", now: new Date(clock.now()) }),
    );
  return { clock, c, correlate };
}

/** `create <msg>`, `patch <name-index> count=<n> <msg>` or `skip`, for compact tables. */
function summarize(results: Correlation[]): string[] {
  const names: string[] = [];
  return results.map((r) => {
    if (r.action === "skip") return "skip";
    const name = r.event.metadata.name!;
    if (!names.includes(name)) names.push(name);
    const at = names.indexOf(name);
    return r.action === "create"
      ? `create #${at} ${r.event.message}`
      : `patch #${at} count=${r.patch.count} ${r.patch.message}`;
  });
}

Deno.test("EventCorrelator.correlate() creates each of the first 9 different messages, then combines into one object whose count rises", () => {
  const { correlate } = setup();
  const out = summarize(Array.from({ length: 12 }, (_, i) => correlate(`Add net${i}`)));
  assertEquals(out, [
    ...Array.from({ length: 9 }, (_, i) => `create #${i} Add net${i}`),
    "create #9 (combined from similar events): Add net9",
    "patch #9 count=2 (combined from similar events): Add net10",
    "patch #9 count=3 (combined from similar events): Add net11",
  ]);
});

Deno.test("EventCorrelator.correlate() patches an identical event's count and lastTimestamp, keeping its name and firstTimestamp", () => {
  const { clock, correlate } = setup();
  const first = correlate("Add eth0 [10.0.0.2/24] from cbr0");
  clock.t += 61_000;
  const again = correlate("Add eth0 [10.0.0.2/24] from cbr0");
  ok(first.action === "create" && again.action === "patch");
  assertEquals(again.event.metadata.name, first.event.metadata.name);
  assertEquals(again.event.firstTimestamp, first.event.firstTimestamp);
  assertEquals(again.patch, {
    count: 2,
    lastTimestamp: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    message: "Add eth0 [10.0.0.2/24] from cbr0",
  });
  assertEquals(again.event.count, 2);
});

Deno.test("EventCorrelator.correlate() rate-limits each source+object: 25 pass, then one per 5 minutes", () => {
  const { clock, correlate } = setup();
  const same = () => correlate("Add eth0");
  const burst = Array.from({ length: 30 }, same).map((r) => r.action);
  assertEquals(burst.filter((a) => a !== "skip").length, 25);
  assertEquals(burst.slice(25), ["skip", "skip", "skip", "skip", "skip"]);
  clock.t += 4 * MIN;
  assertEquals(same().action, "skip");
  clock.t += MIN;
  const next = same();
  ok(next.action === "patch");
  // The filtered ones still counted: 30 + 1 skipped + this one.
  assertEquals(next.patch.count, 32);
  assertEquals(same().action, "skip");
  // Another pod has its own bucket.
  assertEquals(
    correlate("Add eth0", { metadata: { ...POD.metadata, uid: "u2" } }).action,
    "create",
  );
});

Deno.test("EventCorrelator.correlate(): 22 ADDs of 4 interfaces give 10 objects, one combined with count 16 (as client-go)", () => {
  const { clock, correlate } = setup();
  const results: Correlation[] = [];
  for (let add = 0; add < 22; add++) {
    for (const [i, ifname] of ["eth0", "net1", "net2", "net3"].entries()) {
      results.push(correlate(`Add ${ifname} [10.${i}.0.${add + 2}/24] from ns/n${i}`));
    }
    clock.t += 5_000;
  }
  const written = results.flatMap((r) => r.action === "skip" ? [] : [r]);
  assertEquals(written.length, 25);
  const objects = new Set(written.map((r) => r.event.metadata.name));
  assertEquals(objects.size, 10);
  const last = written[written.length - 1]!;
  ok(last.action === "patch");
  assertEquals(last.patch.count, 16);
  ok(last.patch.message.startsWith("(combined from similar events): Add "));
});

Deno.test("EventCorrelator.correlate() starts a new aggregation after 10 quiet minutes; other reasons and types are apart", () => {
  const { clock, correlate } = setup();
  for (let i = 0; i < 9; i++) correlate(`m${i}`);
  assertEquals(correlate("other reason", POD, "NoNetworkFound").action, "create");
  clock.t += 10 * MIN + 1;
  const after = summarize([correlate("m9"), correlate("m10")]);
  assertEquals(after, ["create #0 m9", "create #1 m10"]);
});

Deno.test("EventCorrelator keeps each cache within cacheSize entries (least recently used dropped)", () => {
  const { c } = setup({ cacheSize: 3 });
  for (let i = 0; i < 10; i++) {
    c.correlate(
      podEvent({ metadata: { name: `p${i}`, namespace: "ns", uid: `u${i}` } }, {
        type: "Normal",
        reason: "AddedInterface",
        message: "m",
      }),
    );
  }
  assertEquals(c.cacheSizes, { aggregates: 3, observed: 3, buckets: 3 });
});
