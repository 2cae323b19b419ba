/**
 * `multus doctor` through `dist/bin/multus` on a thick node (the real daemon, real
 * plugins, the API double): each check's pass and fail. Multus's ClusterRole makes the
 * pods/status permission a warning; a plugin missing from binDir/CNI_PATH fails; a
 * cached attachment whose pod is gone from the node is a warning, and `--fix` runs its
 * DEL (the lease released, the caches removed); the daemon down fails; an expired token
 * fails; a bad command line exits 2.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { createNetns, requireRoot } from "../support/netns.ts";
import { DEBIAN_CNI_BIN, filesUnder, TEST_CNI_BIN } from "../support/cni_runtime.ts";
import { type DaemonEnv, daemonEnv } from "../support/daemon_env.ts";
import { runDist, type RunOutput } from "../support/dist.ts";
import { MULTUS_CLUSTER_ROLE } from "../support/kube_api/mod.ts";
import { writeKubeconfig } from "../support/kubeconfig.ts";

interface Finding {
  check: string;
  verdict: "pass" | "warn" | "fail" | "skip";
  what: string;
  fix?: string;
}

async function doctor(env: DaemonEnv, ...extra: string[]): Promise<RunOutput> {
  return await runDist("multus", {
    args: [
      "doctor",
      "--config",
      `${env.confDir}/00-multus.conf`,
      "--daemon-config",
      env.daemonConfigPath,
      "--node-name",
      "node1",
      "--cni-path",
      `${DEBIAN_CNI_BIN}:${TEST_CNI_BIN}`,
      ...extra,
    ],
    timeoutMs: 120_000,
  });
}

async function findings(env: DaemonEnv, ...extra: string[]) {
  const out = await doctor(env, "-o", "json", ...extra);
  const report = JSON.parse(out.stdout) as { ok: boolean; findings: Finding[] };
  return { code: out.code, ...report, out };
}

function verdicts(list: Finding[], check: string): string[] {
  return list.filter((f) => f.check === check).map((f) => f.verdict);
}

Deno.test("doctor: a healthy thick node passes every check (exit 0), and says so in one line each", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.bridgeNad("default", "blue", "10.243.0.0/24");
  env.pod("web", { "k8s.v1.cni.cncf.io/networks": "blue" });
  const r = await findings(env);
  assertEquals(r.code, 0, r.out.stdout + r.out.stderr);
  for (
    const check of [
      "config",
      "primary",
      "kubeconfig",
      "token",
      "api",
      "daemon",
      "binaries",
      "cache",
    ]
  ) {
    assertEquals(
      verdicts(r.findings, check).every((v) => v === "pass"),
      true,
      `${check}: ${JSON.stringify(r.findings)}`,
    );
    assert(verdicts(r.findings, check).length > 0, check);
  }
  assertEquals(verdicts(r.findings, "rbac"), ["pass", "pass", "pass", "pass"]);
  assertEquals(verdicts(r.findings, "informers"), ["skip"], "no metricsPort");
  assertMatch(r.findings.find((f) => f.check === "binaries")!.what, /bridge, host-local/);
  assert(!r.out.stdout.includes("multus-test-token"), "no token printed");
  const text = await doctor(env);
  assertEquals(text.code, 0);
  assertMatch(text.stdout, /^PASS {2}config {5}.*00-multus\.conf parses \(thick mode/m);
  assertMatch(text.stdout, /^0 failed, 0 warnings, \d+ passed, 1 skipped$/m);
});

Deno.test("doctor: under Multus's ClusterRole pods/status is a warning (update, no patch); with no grants, failures", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.api.setRbac(MULTUS_CLUSTER_ROLE);
  const multus = await findings(env);
  assertEquals(multus.code, 0, multus.out.stdout);
  const status = multus.findings.filter((f) => f.check === "rbac" && f.verdict === "warn");
  assertEquals(status.length, 1);
  assertMatch(status[0]!.what, /pods\/status: update granted, patch not/);
  assertMatch(status[0]!.fix ?? "", /add patch/);
  env.api.setRbac([{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]);
  const none = await findings(env);
  assertEquals(none.code, 1);
  assertEquals(verdicts(none.findings, "rbac"), ["fail", "fail", "fail", "warn"]);
  env.api.setRbac(null);
});

Deno.test("doctor: a plugin missing from binDir and CNI_PATH fails, naming the pod, the network and the plugin", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.api.createNad("default", "exotic", {
    config: { cniVersion: "1.0.0", type: "no-such-cni-plugin", ipam: { type: "host-local" } },
  });
  env.pod("needs-exotic", { "k8s.v1.cni.cncf.io/networks": "exotic" });
  env.pod("needs-missing-nad", { "k8s.v1.cni.cncf.io/networks": "not-there" });
  const r = await findings(env);
  assertEquals(r.code, 1);
  const bin = r.findings.filter((f) => f.check === "binaries");
  assertEquals(bin.map((f) => f.verdict), ["fail"]);
  assertMatch(
    bin[0]!.what,
    /pod default\/needs-exotic: network "default\/exotic" needs "no-such-cni-plugin"/,
  );
  const nets = r.findings.filter((f) => f.check === "networks");
  assertEquals(nets.map((f) => f.verdict), ["warn"]);
  assertMatch(nets[0]!.what, /needs-missing-nad/);
});

Deno.test("doctor: a cached attachment whose pod left the node is a warning; --fix runs its DEL (lease released, caches gone)", async () => {
  requireRoot();
  await using env = await daemonEnv();
  env.bridgeNad("default", "gone-a", "10.244.0.0/24");
  const pod = env.pod("gone", { "k8s.v1.cni.cncf.io/networks": "gone-a" });
  await using ns = await createNetns();
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-gone", netns: ns.path });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  assertEquals((await env.leases()).length, 2);
  const fresh = await findings(env);
  assertEquals(verdicts(fresh.findings, "cache"), ["pass"], "the pod is on the node");
  env.api.deletePod(pod.namespace, pod.name);
  const young = await findings(env);
  assertEquals(verdicts(young.findings, "cache"), ["pass"], "a DEL may be under way: too recent");
  const age = new Deno.Command("sh", {
    args: ["-c", `find "$1" -type f -exec touch -d '10 minutes ago' {} +`, "sh", env.cniDir],
  });
  assertEquals((await age.output()).code, 0);
  const files = await filesUnder(env.cniDir);
  const stale = await findings(env);
  assertEquals(stale.code, 0, "a warning");
  const cache = stale.findings.filter((f) => f.check === "cache");
  assertEquals(cache.map((f) => f.verdict), ["warn"]);
  assertMatch(cache[0]!.what, /ctr-gone \(pod default\/gone; scratch cache, .*gone-a\/net1/);
  assertMatch(cache[0]!.fix ?? "", /--fix/);
  assertEquals(await filesUnder(env.cniDir), files, "nothing changed without --fix");
  assertEquals((await env.leases()).length, 2);
  const fixed = await findings(env, "--fix");
  assertEquals(fixed.code, 0, fixed.out.stdout);
  assertEquals(verdicts(fixed.findings, "cache"), ["pass"]);
  assertMatch(fixed.findings.find((f) => f.check === "cache")!.what, /fixed: ran DEL for ctr-gone/);
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);
  const after = await findings(env);
  assertMatch(after.findings.find((f) => f.check === "cache")!.what, /none stale/);
});

Deno.test("doctor: the daemon down fails the daemon check; an expired token file fails token and api", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await env.daemon.stop("SIGKILL");
  const down = await findings(env);
  assertEquals(down.code, 1);
  assertEquals(verdicts(down.findings, "daemon"), ["fail"]);
  assertMatch(down.findings.find((f) => f.check === "daemon")!.what, /multus\.sock/);
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "");
  const now = Math.floor(Date.now() / 1000);
  const expired = `${b64({ alg: "RS256" })}.${b64({ iat: now - 7200, exp: now - 3600 })}.c2ln`;
  await Deno.writeTextFile(`${env.root}/token`, expired);
  const ca = `${env.root}/ca.crt`;
  const kubeconfig = await writeKubeconfig(`${env.root}/expired.kubeconfig`, {
    server: env.api.url,
    caFile: ca,
    tokenFile: `${env.root}/token`,
  });
  const thin = `${env.root}/thin.conf`;
  await Deno.writeTextFile(thin, JSON.stringify(env.conf({ kubeconfig })));
  const out = await runDist("multus", {
    args: ["doctor", "--config", thin, "--node-name", "node1", "-o", "json"],
    timeoutMs: 60_000,
  });
  assertEquals(out.code, 1);
  const list = (JSON.parse(out.stdout) as { findings: Finding[] }).findings;
  assertEquals(verdicts(list, "token"), ["fail"]);
  assertMatch(list.find((f) => f.check === "token")!.what, /expired/);
  assertEquals(verdicts(list, "api"), ["fail"]);
  assertEquals(verdicts(list, "daemon"), ["skip"], "thin mode");
  assert(!out.stdout.includes(expired), "no token printed");
});

Deno.test("doctor: a bad command line exits 2; help doctor and doctor --help print its usage", async () => {
  const bad = await runDist("multus", { args: ["doctor", "--bogus"] });
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /multus doctor: .*--bogus/);
  for (const args of [["help", "doctor"], ["doctor", "--help"]]) {
    const help = await runDist("multus", { args });
    assertEquals(help.code, 0);
    assertMatch(help.stdout, /^Usage: multus doctor/);
    assertMatch(help.stdout, /--fix/);
  }
});

Deno.test("doctor: with metricsPort the daemon's informers are checked through /metrics", async () => {
  requireRoot();
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await using env = await daemonEnv({ config: { metricsPort: port } });
  const r = await findings(env);
  assertEquals(r.code, 0, r.out.stdout);
  assertEquals(verdicts(r.findings, "informers"), ["pass"]);
  assertMatch(
    r.findings.find((f) => f.check === "informers")!.what,
    /pods and network-attachment-definitions informers synced/,
  );
});
