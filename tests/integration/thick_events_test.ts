/**
 * Event volume of the daemon (`dist/bin/multus-daemon` behind `dist/bin/multus-shim`): a
 * crash-looping pod gets the Event objects client-go's recorder would write for Go
 * Multus (similar events combined into one object with a count, repeated ones patched,
 * each pod rate-limited), not one new object per interface per ADD.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import { daemonEnv } from "../support/daemon_env.ts";
import type { KubeObject } from "../support/kube_api/mod.ts";
import { waiter } from "../support/eventually.ts";

const COMBINED = "(combined from similar events): ";

const eventually = waiter({ ms: 30_000 });

const count = (e: KubeObject): number => e["count"] as number;
const message = (e: KubeObject): string => e["message"] as string;

Deno.test("thick: 22 ADD/DEL cycles of one pod with 4 interfaces write 10 Event objects, one combined with the count", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("default", "green", "10.243.0.0/24");
  env.bridgeNad("default", "red", "10.244.0.0/24");
  const pod = env.pod("crashloop", { "k8s.v1.cni.cncf.io/networks": "blue, green, red" });
  const started = Date.now();
  for (let i = 0; i < 22; i++) {
    const containerId = `ctr-crashloop-${i}`;
    const add = await env.shim({ command: "ADD", pod, containerId });
    assertEquals(add.code, 0, `ADD ${i}: ${add.stdout}${add.stderr}`);
    assertEquals((await linksIn(env.netns.name)).length, 5, `ADD ${i}: lo + 4 interfaces`);
    const del = await env.shim({ command: "DEL", pod, containerId });
    assertEquals(del.code, 0, `DEL ${i}: ${del.stdout}${del.stderr}`);
  }
  // One token comes back every 5 minutes; a slower run lets a few more writes through.
  const refills = Math.floor((Date.now() - started) / 300_000);
  const events = () => env.api.events({ objectName: "crashloop", api: "core" });
  const combined = () => events().filter((e) => message(e).startsWith(COMBINED));
  await eventually(
    "the combined event's last patch",
    () => combined().length === 1 && count(combined()[0]!) >= 16 + refills,
  );
  const all = events();
  assertEquals(all.length, 10, all.map((e) => `${count(e)} ${message(e)}`).join("\n"));
  assert(all.every((e) => e["reason"] === "AddedInterface" && e["type"] === "Normal"));
  const single = all.filter((e) => !message(e).startsWith(COMBINED));
  assertEquals(single.map(count), Array(9).fill(1));
  const [c] = combined();
  assertEquals(count(c!), 16 + refills);
  assert(
    (c!["lastTimestamp"] as string) >= (c!["firstTimestamp"] as string),
    "a patched count moves lastTimestamp",
  );
  assertEquals(await filesUnder(env.cniDir), []);
});
