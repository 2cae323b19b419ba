/**
 * The thin plugin end to end: `dist/bin/multus` run as kubelet runs it, against the
 * Kubernetes API double over HTTPS, with Debian's plugins in a network namespace.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { linkIn, linksIn, requireRoot, routesIn } from "../support/netns.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import { multusEnv } from "../support/multus_env.ts";
import { testMode } from "../support/test_mode.ts";

const STATUS = "k8s.v1.cni.cncf.io/network-status";

Deno.test("multus ADD attaches the cluster network and three NADs; DEL removes everything", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  await env.macvlanNad("default", "mv", "10.242.0.0/24");
  env.bridgeNad("team", "green", "10.243.0.0/24");
  const pod = env.pod("web", {
    "k8s.v1.cni.cncf.io/networks": "blue@blue0, mv, team/green",
  });
  env.api.clearLog();
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-web" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const result = add.json as { cniVersion: string; ips: Array<{ address: string }> };
  assertEquals(result.cniVersion, "1.0.0");
  assertEquals(result.ips.map((i) => i.address), ["10.240.0.2/24"], "the master's result");

  const links = await linksIn(env.netns.name);
  const v4 = (name: string) =>
    links.find((l) => l.ifname === name)?.addr_info.find((a) => a.family === "inet")?.local;
  assertEquals(v4("eth0"), "10.240.0.2");
  assertEquals(v4("blue0"), "10.241.0.2");
  assertEquals(v4("net2"), "10.242.0.2");
  assertEquals(v4("net3"), "10.243.0.2");
  assertEquals(
    (await routesIn(env.netns.name)).find((r) => r.dst === "default")?.gateway,
    "10.240.0.1",
  );

  const annotation = env.api.getPod("default", "web")?.metadata.annotations?.[STATUS];
  assert(annotation, "network-status written");
  const status = JSON.parse(annotation) as Array<Record<string, unknown>>;
  assertEquals(status.map((s) => [s.name, s.interface, s.default ?? false]), [
    ["cluster", "eth0", true],
    ["default/blue", "blue0", false],
    ["default/mv", "net2", false],
    ["team/green", "net3", false],
  ]);
  assertEquals(status[1]?.ips, ["10.241.0.2"]);

  // Thin: one pod read, one read per NAD, one status write, and the events. Thick: pods
  // and NADs come from the daemon's informers; events are sent after the reply.
  const byVerb = env.api.requests().map((r) =>
    `${r.verb} ${r.resource}${r.subresource ? "/" + r.subresource : ""}`
  );
  const thin = testMode() === "thin";
  assertEquals(byVerb.filter((v) => v === "get pods").length, thin ? 1 : 0);
  assertEquals(
    byVerb.filter((v) => v === "get network-attachment-definitions").length,
    thin ? 3 : 0,
  );
  assertEquals(byVerb.filter((v) => v === "patch pods/status").length, 1);
  for (let i = 0; i < 600 && env.api.events({ objectName: "web" }).length < 4; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const events = env.api.events({ objectName: "web", reason: "AddedInterface" });
  assertEquals(events.length, 4, "an AddedInterface event per interface");
  // Events are sent concurrently: their order in the API is not the attach order.
  assertMatch(
    String(events.find((e) => String(e["message"]).startsWith("Add blue0 "))?.["message"]),
    /^Add blue0 \[10\.241\.0\.2\/24\] from default\/blue$/,
  );

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-web" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await filesUnder(env.cniDir), [], "scratch cache and result cache removed");
  assertEquals((await filesUnder(env.ipamDir)).filter((f) => /\/\d+\.\d+\.\d+\.\d+$/.test(f)), []);
  assertEquals(await linkIn(env.netns.name, "eth0"), undefined);
});
