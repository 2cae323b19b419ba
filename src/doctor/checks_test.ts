import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { checkBinaries, pluginTypes } from "./binaries_check.ts";
import { checkDaemon, informerSynced } from "./daemon_check.ts";
import { readMultusConfig } from "./config_check.ts";
import { parseDoctorFlags } from "./flags.ts";
import { exitCodeOf, finding, findingsJson, formatFindings } from "./report.ts";
import type { DelegateConf } from "../engine/multus.ts";
import type { PathInfo } from "../platform/fs.ts";

/** An in-memory file system: path -> text. */
function memFs(files: Record<string, string>) {
  const file: PathInfo = { isFile: true, isDirectory: false, size: 1, mtimeMs: 0 };
  return {
    readText: (p: string) => Promise.resolve(files[p] ?? null),
    list: (dir: string) => {
      const names = Object.keys(files).filter((p) => p.startsWith(`${dir}/`)).map((p) =>
        p.slice(dir.length + 1)
      ).filter((n) => !n.includes("/")).sort();
      return Promise.resolve(names.length ? names : null);
    },
    stat: (p: string) => Promise.resolve(p in files ? file : null),
  };
}

function delegate(name: string, bytes: Record<string, unknown>): DelegateConf {
  return {
    name,
    confName: name,
    type: String(bytes["type"] ?? ""),
    isConflist: "plugins" in bytes,
    bytes: JSON.stringify(bytes),
  };
}

Deno.test("readMultusConfig() takes the first config of the dir and fails when it is not Multus's", async () => {
  const multus = JSON.stringify({
    cniVersion: "1.0.0",
    name: "multus-cni-network",
    type: "multus",
    kubeconfig: "/k",
    clusterNetwork: "/net.d/10-x.conf",
  });
  const ok = await readMultusConfig(
    { cniConfDir: "/net.d", daemonConfigPath: "/d.json" },
    memFs({ "/net.d/00-multus.conf": multus, "/net.d/10-x.conf": "{}" }),
  );
  assertEquals(ok.findings.map((f) => f.verdict), ["pass"]);
  assertEquals(ok.loaded?.conf.clusterNetwork, "/net.d/10-x.conf");
  const other = await readMultusConfig(
    { cniConfDir: "/net.d", daemonConfigPath: "/d.json" },
    memFs({ "/net.d/05-flannel.conf": '{"type":"flannel"}', "/net.d/10-multus.conf": multus }),
  );
  assertEquals(other.loaded, null);
  assertMatch(other.findings[0]!.what, /type is "flannel", not multus/);
  const empty = await readMultusConfig({ cniConfDir: "/none", daemonConfigPath: "/d" }, memFs({}));
  assertEquals(empty.findings[0]!.verdict, "fail");
});

Deno.test("readMultusConfig() lays the daemon config over a shim config, as the daemon does", async () => {
  const shim = JSON.stringify({
    cniVersion: "1.0.0",
    name: "multus-cni-network",
    type: "multus-shim",
    clusterNetwork: "/net.d/10-x.conf",
  });
  const daemon = JSON.stringify({ cniVersion: "1.0.0", cniDir: "/var/lib/x", binDir: "/bin/x" });
  const r = await readMultusConfig(
    { configPath: "/net.d/00-multus.conf", cniConfDir: "/net.d", daemonConfigPath: "/d.json" },
    memFs({ "/net.d/00-multus.conf": shim, "/d.json": daemon }),
  );
  assertEquals(r.loaded?.thick, true);
  assertEquals(r.loaded?.conf.cniDir, "/var/lib/x");
  assertEquals(r.loaded?.conf.binDir, "/bin/x");
  const noDaemon = await readMultusConfig(
    { configPath: "/net.d/00-multus.conf", cniConfDir: "/net.d", daemonConfigPath: "/d.json" },
    memFs({ "/net.d/00-multus.conf": shim }),
  );
  assertEquals(noDaemon.findings.map((f) => f.verdict), ["warn", "pass"]);
});

Deno.test("checkBinaries() names each missing plugin (IPAM included) and who needs it", async () => {
  const bridge = delegate("cluster", {
    cniVersion: "1.0.0",
    name: "cluster",
    plugins: [{ type: "bridge", ipam: { type: "host-local" } }, { type: "portmap" }],
  });
  assertEquals(pluginTypes(bridge), ["bridge", "host-local", "portmap"]);
  const fs = memFs({ "/opt/bridge": "", "/opt/host-local": "", "/usr/portmap": "" });
  const ok = await checkBinaries([{ who: "the cluster network", delegates: [bridge] }], [
    "/opt",
    "/usr",
  ], fs);
  assertEquals(ok.map((f) => f.verdict), ["pass"]);
  const macvlan = delegate("default/mv", { type: "macvlan", ipam: { type: "whereabouts" } });
  const bad = await checkBinaries(
    [
      { who: "the cluster network", delegates: [bridge] },
      { who: "pod default/web", delegates: [macvlan] },
    ],
    ["/opt", "/usr"],
    fs,
  );
  assertEquals(bad.length, 1);
  assertEquals(bad[0]!.verdict, "fail");
  assertMatch(
    bad[0]!.what,
    /pod default\/web: network "default\/mv" needs "macvlan", "whereabouts"/,
  );
});

Deno.test("checkDaemon() reads /readyz and multus_informer_synced; no metricsPort is a skip", async () => {
  const metrics = [
    "# HELP multus_informer_synced 1 when the informer has synced.",
    'multus_informer_synced{resource="pods"} 1',
    'multus_informer_synced{resource="network-attachment-definitions"} 0',
  ].join("\n");
  assertEquals(
    [...informerSynced(metrics)],
    [["pods", 1], ["network-attachment-definitions", 0]],
  );
  const r = await checkDaemon({ socketDir: "/run/multus/", metricsPort: 9091 }, {
    socketGet: () => Promise.resolve(200),
    metrics: () => Promise.resolve(metrics),
  });
  assertEquals(r.map((f) => `${f.check} ${f.verdict}`), ["daemon pass", "informers fail"]);
  const down = await checkDaemon({ socketDir: "/run/multus", metricsPort: null }, {
    socketGet: () =>
      Promise.reject(new Error("dial unix /run/multus/multus.sock: connect: connection refused")),
    metrics: () => Promise.reject(new Error("unused")),
  });
  assertEquals(down.map((f) => `${f.check} ${f.verdict}`), ["daemon fail"]);
  const noMetrics = await checkDaemon({ socketDir: "/run/multus", metricsPort: null }, {
    socketGet: () => Promise.resolve(200),
    metrics: () => Promise.reject(new Error("unused")),
  });
  assertEquals(noMetrics.map((f) => f.verdict), ["pass", "skip"]);
});

Deno.test("parseDoctorFlags() reads the flags; a bad one or -o is a usage error", () => {
  const r = parseDoctorFlags(["--config", "/c", "--fix", "-o", "json", "--timeout", "2"]);
  assertEquals(r.kind, "run");
  if (r.kind === "run") {
    assertEquals([r.flags.config, r.flags.fix, r.flags.json, r.flags.timeoutMs], [
      "/c",
      true,
      true,
      2000,
    ]);
    assertEquals(r.flags.cniConfDir, "/etc/cni/net.d");
  }
  assertEquals(parseDoctorFlags(["--help"]).kind, "help");
  assertEquals(parseDoctorFlags(["--bogus"]).kind, "usage");
  assertEquals(parseDoctorFlags(["-o", "yaml"]).kind, "usage");
});

Deno.test("formatFindings() prints one line per finding with its fix; warnings alone exit 0", () => {
  const findings = [
    finding("api", "pass", "https://api answers (v1.31.0)"),
    finding("rbac", "warn", "pods/status: update only", "add patch"),
  ];
  assertEquals(
    formatFindings(findings),
    "PASS  api        https://api answers (v1.31.0)\n" +
      "WARN  rbac       pods/status: update only -> fix: add patch\n" +
      "0 failed, 1 warnings, 1 passed, 0 skipped\n",
  );
  assertEquals(exitCodeOf(findings), 0);
  assertEquals(exitCodeOf([...findings, finding("cache", "fail", "x")]), 1);
  assertEquals(JSON.parse(findingsJson(findings)).ok, true);
});
