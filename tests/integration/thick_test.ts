/**
 * Thick mode end to end: `dist/bin/multus-daemon` serving `dist/bin/multus-shim` over the
 * real unix socket, the API double, real plugins in network namespaces.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder } from "../support/cni_runtime.ts";
import { daemonEnv, socketRequest } from "../support/daemon_env.ts";
import { runDist } from "../support/dist.ts";
import { waiter } from "../support/eventually.ts";

const STATUS = "k8s.v1.cni.cncf.io/network-status";

function v4(links: Awaited<ReturnType<typeof linksIn>>, name: string): string | undefined {
  return links.find((l) => l.ifname === name)?.addr_info.find((a) => a.family === "inet")?.local;
}

const eventually = waiter({ ms: 15_000 });

Deno.test("thick: shim ADD goes through the daemon; the ADD's critical path makes one API request", async () => {
  requireRoot();
  await using env = await daemonEnv();
  assertStringIncludes(
    await Deno.readTextFile(`${env.confDir}/00-multus.conf`),
    '"type":"multus-shim"',
  );
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  await env.macvlanNad("default", "mv", "10.242.0.0/24");
  const pod = env.pod("web", { "k8s.v1.cni.cncf.io/networks": "blue, mv@mv0" });
  // Let the informers see the pod and the NADs, then count only the ADD's own requests.
  await eventually("the informer caches", async () => {
    const r = await env.request("GET", "/readyz");
    return r.status === 200;
  });
  await new Promise((r) => setTimeout(r, 500));
  env.api.clearLog();
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-web" });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  assertEquals((add.json as { cniVersion: string }).cniVersion, "1.0.0");
  const during = env.api.requests().filter((r) => r.resource !== "events");
  assertEquals(
    during.map((r) => `${r.verb} ${r.resource}${r.subresource ? "/" + r.subresource : ""}`),
    ["patch pods/status"],
    "pods and NADs come from the informer caches",
  );
  const links = await linksIn(env.netns.name);
  assertEquals([v4(links, "eth0"), v4(links, "net1"), v4(links, "mv0")], [
    "10.240.0.2",
    "10.241.0.2",
    "10.242.0.2",
  ]);
  const status = JSON.parse(
    env.api.getPod("default", "web")?.metadata.annotations?.[STATUS] ?? "[]",
  );
  assertEquals(status.map((s: { name: string }) => s.name), [
    "cluster",
    "default/blue",
    "default/mv",
  ]);
  await eventually(
    "events delivered off the critical path",
    () => env.api.events({ objectName: "web", reason: "AddedInterface" }).length === 3,
  );
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-web" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await filesUnder(env.cniDir), []);
});

Deno.test("thick: SIGTERM turns /readyz to 500 at once, lets the daemon exit 0 and keeps 00-multus.conf", async () => {
  requireRoot();
  await using env = await daemonEnv();
  assertEquals((await env.request("GET", "/readyz")).status, 200);
  assertEquals((await env.request("POST", "/healthz", "null")).status, 200);
  assertEquals((await env.request("GET", "/cni")).status, 405);
  assertEquals((await env.request("GET", "/nope")).status, 404);
  const code = await env.daemon.stop("SIGTERM");
  assertEquals(code, 0, env.daemon.log());
  assertMatch(env.daemon.log(), /SIGTERM: not ready any more/);
  assertStringIncludes(await Deno.readTextFile(`${env.confDir}/00-multus.conf`), "multus-shim");
  const st = await Deno.stat(`${env.socketDir}`);
  assertEquals(st.mode! & 0o777, 0o700);
});

Deno.test("thick: once shutdown began, the daemon answers a new ADD not ready (503) and the shim waits for /readyz within its bound, while the ADD in flight finishes", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.recorderNad("default", "slow", { sleep: { ADD: 4 } });
  const pod = env.pod("in-flight", { "k8s.v1.cni.cncf.io/networks": "slow" });
  const inFlight = env.shim({ command: "ADD", pod, containerId: "ctr-slow" });
  // The daemon writes the scratch cache before it runs the delegates.
  await eventually("the ADD in flight", async () => (await filesUnder(env.cniDir)).length > 0);
  Deno.kill(env.daemon.pid, "SIGTERM");
  await eventually("shutdown", () => env.daemon.log().includes("not ready any more"));
  const late = await env.shim({
    command: "ADD",
    pod: env.pod("late"),
    containerId: "ctr-late",
    conf: env.shimConf({ daemonReadyTimeoutSeconds: 1 }),
  });
  assertEquals(late.code, 1, late.stdout + late.stderr);
  const err = late.json as { code: number; msg: string };
  assertEquals(err.code, 11);
  assertMatch(
    err.msg,
    /^CmdAdd \(shim\): multus-daemon is not ready at .*multus\.sock after 1 s: \/readyz answered 500/,
  );
  assertStringIncludes(env.daemon.log(), "multus-daemon is not ready (it is shutting down)");
  const first = await inFlight;
  assertEquals(first.code, 0, first.stdout + first.stderr + env.daemon.log());
  assertEquals(await env.daemon.exited, 0);
});

Deno.test("thick: the socket is 0600 in a 0700 directory recreated at start", async () => {
  requireRoot();
  await using env = await daemonEnv();
  assertEquals((await Deno.stat(`${env.socketDir}multus.sock`)).mode! & 0o777, 0o600);
  assertEquals((await Deno.stat(env.socketDir)).mode! & 0o777, 0o700);
});

Deno.test("thick: a daemon restart keeps pods deletable and the new daemon serves new pods", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("a", { "k8s.v1.cni.cncf.io/networks": "blue" });
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-a" });
  assertEquals(add.code, 0, add.stdout + env.daemon.log());
  assertEquals(await env.daemon.stop("SIGTERM"), 0);
  await env.startDaemon();
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-a" });
  assertEquals(del.code, 0, del.stdout + env.daemon.log());
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
  const ns2 = await env.extraNetns();
  const pod2 = env.pod("b", { "k8s.v1.cni.cncf.io/networks": "blue" });
  const add2 = await env.shim({ command: "ADD", pod: pod2, containerId: "ctr-b", netns: ns2.path });
  assertEquals(add2.code, 0, add2.stdout + env.daemon.log());
  assertEquals((await linksIn(ns2.name)).length, 3);
  assertEquals(
    (await env.shim({ command: "DEL", pod: pod2, containerId: "ctr-b", netns: ns2.path })).code,
    0,
  );
});

Deno.test("thick: without a daemon, shim ADD fails clearly within its bound and DEL does not block", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const pod = env.pod("lonely");
  assertEquals(await env.daemon.stop("SIGKILL"), 137);
  const conf = env.shimConf({ daemonReadyTimeoutSeconds: 1 });
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-l", conf });
  assertEquals(add.code, 1);
  const err = add.json as { code: number; msg: string };
  assertEquals(err.code, 11);
  assertMatch(
    err.msg,
    /^CmdAdd \(shim\): multus-daemon is not ready at .*multus\.sock after 1 s: /,
  );
  const del = await env.shim({
    command: "DEL",
    pod,
    containerId: "ctr-l",
    conf,
    timeoutMs: 10_000,
  });
  assertEquals(del.code, 0, "DEL never blocks sandbox teardown when the daemon is gone");
});

Deno.test("thick: a delegate's DEL failure reaches the runtime through the shim", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.api.createNad("default", "flaky", {
    config: {
      cniVersion: "1.0.0",
      type: "cnitest-record",
      fail: { DEL: { code: 11, msg: "backend unreachable" } },
    },
  });
  const pod = env.pod("f", { "k8s.v1.cni.cncf.io/networks": "flaky" });
  assertEquals((await env.shim({ command: "ADD", pod, containerId: "ctr-f" })).code, 0);
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-f" });
  assertEquals(del.code, 1);
  const err = del.json as { code: number; msg: string };
  assertEquals(err.code, 11);
  assertMatch(err.msg, /^CmdDel \(shim\): errors: .*backend unreachable/);
});

Deno.test("thick: 50 concurrent pod ADDs then DELs, no cross-talk, nothing left behind", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { connectionLimit: 8 } });
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pods = await Promise.all(Array.from({ length: 50 }, async (_, i) => ({
    pod: env.pod(`burst-${i}`, { "k8s.v1.cni.cncf.io/networks": "blue@blue0" }),
    ns: await env.extraNetns(),
    cid: `ctr-burst-${i}`,
  })));
  const adds = await Promise.all(
    pods.map((p) => env.shim({ command: "ADD", pod: p.pod, containerId: p.cid, netns: p.ns.path })),
  );
  adds.forEach((a, i) => assertEquals(a.code, 0, `pod ${i}: ${a.stdout}${a.stderr}`));
  const seen = new Set<string>();
  for (const [i, p] of pods.entries()) {
    const links = await linksIn(p.ns.name);
    const eth0 = v4(links, "eth0");
    const blue = v4(links, "blue0");
    assert(eth0 && blue, `pod ${i} has both interfaces`);
    assert(!seen.has(eth0) && !seen.has(blue), `pod ${i}'s addresses are its own`);
    seen.add(eth0);
    seen.add(blue);
    const result = adds[i]!.json as { ips: Array<{ address: string }> };
    assertEquals(result.ips[0]!.address, `${eth0}/24`, `pod ${i} got its own result`);
    const status = JSON.parse(
      env.api.getPod("default", `burst-${i}`)?.metadata.annotations?.[STATUS] ?? "[]",
    );
    assertEquals(status[1]?.ips, [blue], `pod ${i}'s status names its own address`);
  }
  const dels = await Promise.all(
    pods.map((p) => env.shim({ command: "DEL", pod: p.pod, containerId: p.cid, netns: p.ns.path })),
  );
  dels.forEach((d, i) => assertEquals(d.code, 0, `pod ${i}: ${d.stdout}`));
  for (const p of pods) assertEquals((await linksIn(p.ns.name)).map((l) => l.ifname), ["lo"]);
  assertEquals(await filesUnder(env.cniDir), []);
  assertEquals((await filesUnder(env.ipamDir)).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(f)), []);
});

Deno.test("thick: 00-multus.conf is regenerated when the primary config changes", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const generated = `${env.confDir}/00-multus.conf`;
  assertEquals(JSON.parse(await Deno.readTextFile(generated)).capabilities, undefined);
  const primary = JSON.parse(await Deno.readTextFile(`${env.confDir}/10-cluster.conflist`));
  primary.plugins.push({ type: "portmap", capabilities: { portMappings: true } });
  await Deno.writeTextFile(`${env.confDir}/10-cluster.conflist`, JSON.stringify(primary));
  await eventually(
    "regeneration",
    async () => JSON.parse(await Deno.readTextFile(generated)).capabilities?.portMappings === true,
  );
});

Deno.test("thick: an API outage fails ADD cleanly, DEL still works, and the daemon recovers", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("o", { "k8s.v1.cni.cncf.io/networks": "blue" });
  await new Promise((r) => setTimeout(r, 500));
  assertEquals((await env.shim({ command: "ADD", pod, containerId: "ctr-o1" })).code, 0);
  await env.api.setOutage("refuse");
  const ns2 = await env.extraNetns();
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-o2", netns: ns2.path });
  assertEquals(add.code, 1, "the status write cannot happen");
  assertStringIncludes((add.json as { msg: string }).msg, "error setting the networks status");
  assertEquals((await linksIn(ns2.name)).map((l) => l.ifname), ["lo"], "rolled back");
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-o1" });
  assertEquals(del.code, 0, `DEL works with the API down: ${del.stdout}`);
  const late = env.pod("late", { "k8s.v1.cni.cncf.io/networks": "blue" });
  await env.api.setOutage(null);
  const add3 = await env.shim({
    command: "ADD",
    pod: late,
    containerId: "ctr-o3",
    netns: ns2.path,
  });
  assertEquals(add3.code, 0, add3.stdout + env.daemon.log());
  assertEquals(
    (await env.shim({ command: "DEL", pod: late, containerId: "ctr-o3", netns: ns2.path })).code,
    0,
  );
});

Deno.test("thick: /delegate hot-plugs one network into a running pod and unplugs it", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const pod = env.pod("hot");
  assertEquals((await env.shim({ command: "ADD", pod, containerId: "ctr-hot" })).code, 0);
  const bridge = env.bridgeNad("default", "unused", "10.244.0.0/24");
  const config = {
    cniVersion: "1.0.0",
    name: "hotnet",
    type: "bridge",
    bridge,
    ipam: { type: "host-local", subnet: "10.244.0.0/24", dataDir: env.ipamDir },
  };
  const request = (command: string) =>
    JSON.stringify({
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: "ctr-hot",
        CNI_NETNS: env.netns.path,
        CNI_IFNAME: "hot1",
        CNI_PATH: "/usr/lib/cni",
        CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=hot;K8S_POD_UID=${pod.uid}`,
      },
      config: btoa(JSON.stringify(config)),
      interfaceAttributes: { mac: "02:00:00:00:44:01" },
    });
  const add = await env.request("POST", "/delegate", request("ADD"));
  assertEquals(add.status, 200, add.body);
  assertEquals(JSON.parse(add.body).Result.ips[0].address, "10.244.0.2/24");
  const hot = (await linksIn(env.netns.name)).find((l) => l.ifname === "hot1");
  assertEquals(hot?.addr_info.find((a) => a.family === "inet")?.local, "10.244.0.2");
  const del = await env.request("POST", "/delegate", request("DEL"));
  assertEquals(del.status, 200, del.body);
  assertEquals((await linksIn(env.netns.name)).some((l) => l.ifname === "hot1"), false);
  const gone = await env.request(
    "POST",
    "/delegate",
    request("ADD").replace("K8S_POD_NAME=hot", "K8S_POD_NAME=nobody"),
  );
  assertEquals(gone.status, 400);
  assertStringIncludes(JSON.parse(gone.body).msg, "not found");
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-hot" })).code, 0);
});

Deno.test("thick: metrics on metricsPort count requests by command and result and time delegates", async () => {
  requireRoot();
  const port = 19000 + Math.floor(Math.random() * 1000);
  await using env = await daemonEnv({ config: { metricsPort: port } });
  const pod = env.pod("m");
  assertEquals((await env.shim({ command: "ADD", pod, containerId: "ctr-m" })).code, 0);
  assertEquals((await env.shim({ command: "DEL", pod, containerId: "ctr-m" })).code, 0);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assertMatch(text, /multus_server_request_total\{[^}]*handler="\/cni"[^}]*\} 2/);
  assertMatch(text, /multus_cni_requests_total\{command="ADD",result="success"\} 1/);
  assertMatch(text, /multus_delegate_duration_seconds_count\{[^}]*plugin_type="bridge"[^}]*\} /);
  assertMatch(text, /multus_informer_synced\{resource="pods"\} 1/);
});

Deno.test("thick: a daemon config that breaks its schema stops the daemon with every violation", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await env.daemon.stop("SIGTERM");
  const bad = `${env.root}/bad.json`;
  await Deno.writeTextFile(
    bad,
    JSON.stringify({ connectionLimit: "ten", socketDir: 5, logToStderr: "yes" }),
  );
  const out = await runDist("multus-daemon", { args: ["-config", bad], timeoutMs: 30_000 });
  assertEquals(out.code, 1, out.stderr);
  assertStringIncludes(out.stderr, "connectionLimit");
  assertStringIncludes(out.stderr, "socketDir");
  assertStringIncludes(out.stderr, "logToStderr");
  assertEquals(out.stderr.includes("    at "), false, "no stack trace");
  const missing = await runDist("multus-daemon", { args: ["-config", `${env.root}/none.json`] });
  assertEquals(missing.code, 1);
  assertStringIncludes(missing.stderr, "none.json");
  const socketGone = await socketRequest(`${env.socketDir}multus.sock`, "GET", "/healthz");
  assertEquals(socketGone.status, 0);
});
