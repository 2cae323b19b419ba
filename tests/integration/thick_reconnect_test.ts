/**
 * The daemon (`dist/bin/multus-daemon`) after an API-server outage: it says it is connected
 * again when its watches are accepted, not when the first change after the outage arrives
 * (which on a quiet cluster may be many seconds later).
 */
import { assert, assertEquals } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { daemonEnv } from "../support/daemon_env.ts";
import { waiter } from "../support/eventually.ts";

const eventually = waiter({ ms: 30_000 });

const AGAIN = "informer: connected to the API server again";

Deno.test("thick: after an API outage the daemon logs 'connected to the API server again' with no change and no bookmark to carry it", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const log = () => env.daemon.log();
  // Watches opened from now on carry no BOOKMARK: nothing but the reconnect itself can
  // make the daemon say it is connected.
  env.api.bookmarkIntervalMs = 3_600_000;
  await env.api.setOutage("refuse");
  await eventually(
    "both informers to notice the outage",
    () =>
      /pods informer: .*retrying with backoff/.test(log()) &&
      /network-attachment-definitions informer: .*retrying with backoff/.test(log()),
  );
  assertEquals(log().includes(AGAIN), false);
  const rvBefore = env.api.resourceVersion;
  env.api.clearLog();
  await env.api.setOutage(null);
  await eventually(
    "both informers to log the reconnect",
    () =>
      log().includes(`pods ${AGAIN}`) && log().includes(`network-attachment-definitions ${AGAIN}`),
  );
  assertEquals(env.api.resourceVersion, rvBefore, "nothing changed in the API meanwhile");
  const watches = env.api.requests().filter((r) => r.verb === "watch");
  assert(watches.length >= 2, `the informers watch again: ${watches.length}`);
  assertEquals(env.api.count({ verb: "list" }), 0, "resumed from the watch, no relist");
});
