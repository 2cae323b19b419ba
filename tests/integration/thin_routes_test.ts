/**
 * `default-route` in the network-selection annotation: the routes in the pod and the
 * libcni result cache Multus rewrites, through `dist/bin/multus` with real plugins.
 */
import { assertEquals } from "../support/assert.ts";
import { linksIn, requireRoot, routesIn } from "../support/netns.ts";
import { multusEnv, NETWORKS } from "../support/multus_env.ts";

interface Route {
  dst: string;
  gw?: string;
}

/** The result inside `<cniDir>/results/<net>-<cid>-<if>`. */
async function cachedResult(
  cniDir: string,
  name: string,
): Promise<{ routes?: Route[]; [k: string]: unknown }> {
  return JSON.parse(await Deno.readTextFile(`${cniDir}/results/${name}`)).result;
}

/** Default routes in `ns` as `<dev> via <gw>`. */
async function defaults(ns: string, family: "-4" | "-6" = "-4"): Promise<string[]> {
  return (await routesIn(ns, family)).filter((r) => r.dst === "default")
    .map((r) => `${r.dev} via ${r.gateway ?? "-"}`).sort();
}

Deno.test("multus default-route on a secondary moves the pod's default route there and rewrites the result cache", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("gw", {
    [NETWORKS]: JSON.stringify([{ name: "blue", "default-route": ["10.241.0.1"] }]),
  });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-gw" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await defaults(env.netns.name), ["net1 via 10.241.0.1"]);
  assertEquals(
    (add.json as { routes?: Route[] }).routes,
    [{ dst: "0.0.0.0/0" }],
    "the result returned to the runtime is not changed",
  );
  assertEquals((await cachedResult(env.cniDir, "cluster-ctr-gw-eth0")).routes, undefined);
  assertEquals((await cachedResult(env.cniDir, "blue-ctr-gw-net1")).routes, [
    { dst: "0.0.0.0/0", gw: "10.241.0.1" },
  ]);

  // The bridge plugin's CHECK compares the pod's routes with the cached result.
  const check = await env.cni({ command: "CHECK", pod, containerId: "ctr-gw" });
  assertEquals(check.code, 0, check.stdout + check.stderr);

  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-gw" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await env.leases(), []);
});

Deno.test("multus 'default-route': [] removes every default route in the pod and in the cache", async () => {
  requireRoot();
  await using env = await multusEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24", {
    ipam: {
      type: "host-local",
      subnet: "10.241.0.0/24",
      routes: [{ dst: "0.0.0.0/0" }],
      dataDir: env.ipamDir,
    },
  });
  const pod = env.pod("nogw", {
    [NETWORKS]: JSON.stringify([{ name: "blue", "default-route": [] }]),
  });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-nogw" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await defaults(env.netns.name), []);
  assertEquals((await cachedResult(env.cniDir, "cluster-ctr-nogw-eth0")).routes, undefined);
  assertEquals((await cachedResult(env.cniDir, "blue-ctr-nogw-net1")).routes, undefined);
  const check = await env.cni({ command: "CHECK", pod, containerId: "ctr-nogw" });
  assertEquals(check.code, 0, check.stdout + check.stderr);
});

Deno.test("multus IPv6 default-route: the cluster's default routes go, ::/0 is added via the gateway (ours: ::/0 in the cache; Go writes ::0/0 and keeps ::/0, quirk 6)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const cluster = {
    cniVersion: "1.0.0",
    name: "dual",
    plugins: [{
      type: "bridge",
      bridge: env.bridgeName(),
      isGateway: true,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.240.8.0/24" }], [{ subnet: "fd00:240::/64" }]],
        routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
        dataDir: env.ipamDir,
      },
    }],
  };
  await Deno.writeTextFile(`${env.root}/dual.conflist`, JSON.stringify(cluster));
  env.bridgeNad("default", "blue6", "", {
    ipam: { type: "host-local", ranges: [[{ subnet: "fd00:241::/64" }]], dataDir: env.ipamDir },
  });
  const pod = env.pod("gw6", {
    [NETWORKS]: JSON.stringify([{ name: "blue6", "default-route": ["fd00:241::1"] }]),
  });
  const add = await env.cni({
    command: "ADD",
    pod,
    containerId: "ctr-gw6",
    conf: env.conf({ clusterNetwork: `${env.root}/dual.conflist` }),
  });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals(await defaults(env.netns.name, "-4"), [], "the cluster's IPv4 default route too");
  assertEquals(await defaults(env.netns.name, "-6"), ["net1 via fd00:241::1"]);
  assertEquals((await cachedResult(env.cniDir, "dual-ctr-gw6-eth0")).routes, undefined);
  assertEquals((await cachedResult(env.cniDir, "blue6-ctr-gw6-net1")).routes, [
    { dst: "::/0", gw: "fd00:241::1" },
  ]);
});
