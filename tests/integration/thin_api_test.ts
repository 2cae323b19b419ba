/**
 * What the thin plugin writes to and asks of the Kubernetes API: the network-status
 * annotation in the client library's wire format, the events, and the exact requests
 * per ADD and DEL.
 */
import { assertEquals } from "../support/assert.ts";
import { linkIn, requireRoot } from "../support/netns.ts";
import { multusEnv, NETWORK_STATUS, NETWORKS } from "../support/multus_env.ts";

Deno.test("multus writes network-status in the client library's wire format (4-space indent, entries joined by ',')", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.recorderNad("default", "quiet");
  const pod = env.pod("wire", { [NETWORKS]: "blue@blue0, quiet" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-wire" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const eth0 = (await linkIn(env.netns.name, "eth0"))?.address;
  const blue0 = (await linkIn(env.netns.name, "blue0"))?.address;
  // The recorder's empty result adds no entry.
  assertEquals(
    env.api.getPod("default", "wire")?.metadata.annotations?.[NETWORK_STATUS],
    `[{
    "name": "cluster",
    "interface": "eth0",
    "ips": [
        "10.240.0.2"
    ],
    "mac": "${eth0}",
    "default": true,
    "dns": {}
},{
    "name": "default/blue",
    "interface": "blue0",
    "ips": [
        "10.241.0.2"
    ],
    "mac": "${blue0}",
    "dns": {}
}]`,
  );
});

Deno.test("multus records an AddedInterface event per interface with a result, in Multus's wording", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("team", "green", "10.243.0.0/24");
  env.recorderNad("default", "quiet");
  const pod = env.pod("events", { [NETWORKS]: "blue@blue0, quiet, team/green" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-events" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  // Thick mode sends events after the reply: wait for them (bounded), never for a time.
  for (let i = 0; i < 600 && env.api.events({ objectName: "events" }).length < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const events = env.api.events({ objectName: "events" });
  assertEquals(
    events.map((e) => `${e["type"]} ${e["reason"]} ${e["message"]}`).sort(),
    [
      "Normal AddedInterface Add blue0 [10.241.0.2/24] from default/blue",
      "Normal AddedInterface Add eth0 [10.240.0.2/24] from cluster",
      "Normal AddedInterface Add net3 [10.243.0.2/24] from team/green",
    ],
  );
  for (const e of events) {
    assertEquals(e["involvedObject"], {
      kind: "Pod",
      namespace: "default",
      name: "events",
      uid: pod.uid,
      apiVersion: "v1",
      resourceVersion: (e["involvedObject"] as { resourceVersion: string }).resourceVersion,
    });
    assertEquals((e["source"] as { component: string }).component, "multus");
  }
});

Deno.test("multus ADD makes one pod GET, one GET per distinct NAD (all at once; Go: one per element, in turn), one status PATCH and one event per interface; DEL with its scratch cache asks nothing (ours: Go reads the pod first)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  env.bridgeNad("team", "green", "10.243.0.0/24");
  const pod = env.pod("requests", { [NETWORKS]: "blue, team/green, blue@again" });
  env.api.clearLog();
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-req" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const describe = () =>
    env.api.requests().map((r) =>
      `${r.method} ${r.resource}${r.subresource ? "/" + r.subresource : ""} ${r.namespace ?? ""}/${
        r.name ?? ""
      } ${r.status}`
    ).sort();
  assertEquals(describe(), [
    "GET network-attachment-definitions default/blue 200",
    "GET network-attachment-definitions team/green 200",
    "GET pods default/requests 200",
    "PATCH pods/status default/requests 200",
    "POST events default/ 201",
    "POST events default/ 201",
    "POST events default/ 201",
    "POST events default/ 201",
  ]);
  assertEquals(env.api.requests().every((r) => r.user !== undefined), true, "authenticated");

  env.api.clearLog();
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-req" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals(describe(), []);
});

Deno.test("multus ADD tolerates a pod deleted before its status write", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("vanishing");
  env.api.failNext(1, { code: 404, match: { method: "PATCH" } });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-vanish" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals((await linkIn(env.netns.name, "eth0"))?.ifname, "eth0");
});

Deno.test("multus ADD fails and rolls back when the status write fails (ours: Go leaves the attachments to DEL)", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("nostatus", { [NETWORKS]: "blue" });
  env.api.failNext(1, { code: 500, match: { method: "PATCH" } });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-nostatus" });
  assertEquals(add.code, 1);
  assertEquals(
    (add.json as { msg: string }).msg,
    `Multus: [default/nostatus/${pod.uid}]: error setting the networks status: an error on the server ("unknown") has prevented the request from succeeding`,
  );
  assertEquals(await linkIn(env.netns.name, "eth0"), undefined);
  assertEquals(await linkIn(env.netns.name, "net1"), undefined);
  assertEquals(await env.leases(), []);
});
