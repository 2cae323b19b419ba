/**
 * Tests of the typed facade: every function reaches its engine operation with the right
 * input shape, returns the typed value, and surfaces engine errors as `CniError`. The
 * operations' behaviour in detail is covered by the case files (`cases_test.ts`).
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  buildCniArgs,
  buildPluginConfig,
  checkAttachment,
  checkSkelInput,
  compareVersions,
  convertResult,
  decodeCacheEntry,
  encodeCacheEntry,
  parseCniArgs,
  parseNetworkConfig,
  parseResult,
  planList,
  pluginError,
  versionInfo,
} from "./mod.ts";
import { CniError } from "../cni/error.ts";
import { ALL_VERSIONS, type CniResult, type CniVersion } from "../cni/types.ts";

/** The same attachment as a plugin would report it at `v`. */
function fixture(v: CniVersion): CniResult {
  if (v === "0.1.0" || v === "0.2.0") {
    return {
      cniVersion: v,
      ip4: { ip: "10.99.0.2/24", gateway: "10.99.0.1", routes: [{ dst: "0.0.0.0/0" }] },
      ip6: { ip: "fd00::2/64", routes: [{ dst: "::/0", gw: "fd00::1" }] },
      dns: { nameservers: ["10.96.0.10"] },
    };
  }
  const legacy = v.startsWith("0.");
  return {
    cniVersion: v,
    interfaces: [{ name: "eth0", mac: "d2:bd:00:00:00:02", sandbox: "/var/run/netns/ns1" }],
    ips: [
      { ...(legacy ? { version: "4" as const } : {}), interface: 0, address: "10.99.0.2/24" },
      { ...(legacy ? { version: "6" as const } : {}), interface: 0, address: "fd00::2/64" },
    ],
    routes: [{ dst: "0.0.0.0/0", gw: "10.99.0.1" }, { dst: "::/0", gw: "fd00::1" }],
    dns: { nameservers: ["10.96.0.10"] },
  };
}

function throwsCni(fn: () => unknown, code: number, msg: string): void {
  throws(fn, (err: unknown) => {
    ok(err instanceof CniError, `expected a CniError, got ${String(err)}`);
    strictEqual(err.code, code);
    strictEqual(err.message, msg);
    return true;
  });
}

for (const v of ALL_VERSIONS) {
  Deno.test(`checkSkelInput() accepts a ${v} config for ADD`, () => {
    const stdin = JSON.stringify({ cniVersion: v, name: "net", type: "bridge" });
    const got = checkSkelInput({ command: "ADD", stdin, containerId: "ctr1", ifName: "eth0" });
    deepStrictEqual(got, { cniVersion: v, config: JSON.parse(stdin) });
  });

  Deno.test(`parseResult() gives a ${v} result without cniVersion the config's version`, () => {
    const { cniVersion: _, ...bare } = fixture(v);
    deepStrictEqual(parseResult(bare, v), fixture(v));
  });

  Deno.test(`convertResult() takes a ${v} result to 1.1.0 and back unchanged`, () => {
    const up = convertResult(fixture(v), "1.1.0");
    strictEqual(up.cniVersion, "1.1.0");
    strictEqual(up.ips?.length, 2);
    deepStrictEqual(convertResult(up, v), fixture(v));
  });

  Deno.test(`buildPluginConfig() hands a ${v} list its prevResult at ${v}`, () => {
    const config = buildPluginConfig({
      plugin: { type: "tuning" },
      name: "net",
      cniVersion: v,
      command: "ADD",
      prevResult: fixture("1.1.0"),
    });
    const parsed = JSON.parse(config);
    strictEqual(parsed.cniVersion, v);
    deepStrictEqual(parsed.prevResult, convertResult(fixture("1.1.0"), v));
  });

  Deno.test(`encodeCacheEntry() writes a ${v} result that decodeCacheEntry() reads back`, () => {
    const configText = `{"cniVersion":"${v}","name":"net","plugins":[{"type":"bridge"}]}`;
    const text = encodeCacheEntry({
      containerId: "ctr1",
      ifName: "eth0",
      networkName: "net",
      configText,
      cniArgs: [["K8S_POD_NAME", "demo"]],
      result: fixture(v),
    });
    const got = decodeCacheEntry(text, { toVersion: "1.0.0" });
    strictEqual(got.configText, configText);
    strictEqual(got.entry.networkName, "net");
    deepStrictEqual(got.entry.cniArgs, [["K8S_POD_NAME", "demo"]]);
    deepStrictEqual(got.result, convertResult(fixture(v), "1.0.0"));
    strictEqual(got.legacy, undefined);
  });

  Deno.test(`planList() runs DEL of a ${v} list in reverse order`, () => {
    const list = parseNetworkConfig(
      JSON.stringify({ cniVersion: v, name: "net", plugins: [{ type: "a" }, { type: "b" }] }),
    );
    const steps = planList({ list, command: "DEL", cachedResult: fixture(v) });
    deepStrictEqual(steps.map((s) => s.type), ["b", "a"]);
    const prev = JSON.parse(steps[0]?.config ?? "{}").prevResult;
    strictEqual(prev === undefined, compareVersions(v, "0.4.0") < 0);
  });
}

Deno.test("checkSkelInput() throws code 1 with libcni's details when the plugin lacks the version", () => {
  throws(
    () =>
      checkSkelInput({
        command: "ADD",
        stdin: '{"cniVersion":"1.1.0","name":"net"}',
        containerId: "ctr1",
        ifName: "eth0",
        supportedVersions: ["0.4.0", "1.0.0"],
      }),
    (err: unknown) =>
      err instanceof CniError && err.code === 1 &&
      err.details === 'config is "1.1.0", plugin supports ["0.4.0" "1.0.0"]',
  );
});

Deno.test("checkAttachment() throws code 4 when the interface name is too long", () => {
  throwsCni(
    () => checkAttachment({ ifName: "a-very-long-ifname" }),
    4,
    "interface name is too long",
  );
  checkAttachment({ containerId: "ctr1", networkName: "net", ifName: "net1" });
});

Deno.test("parseCniArgs() and buildCniArgs() round-trip pairs", () => {
  const args = "IgnoreUnknown=1;K8S_POD_NAME=demo;K8S_POD_INFRA_CONTAINER_ID=";
  const pairs = parseCniArgs(args, { known: ["K8S_POD_NAME"] });
  strictEqual(pairs.length, 3);
  strictEqual(buildCniArgs(pairs), args);
  deepStrictEqual(parseCniArgs("A=b=c", { mode: "lenient" }), [["A", "b=c"]]);
  throwsCni(() => parseCniArgs("FOO=bar", { known: [] }), 4, 'ARGS: unknown args ["FOO=bar"]');
});

Deno.test("parseNetworkConfig() wraps a single config into a one-plugin list", () => {
  const text = '{"cniVersion":"1.0.0","name":"net","type":"bridge"}';
  const list = parseNetworkConfig(text);
  strictEqual(list.plugins.length, 1);
  strictEqual(list.bytes, text);
  throwsCni(
    () => parseNetworkConfig('{"name":"net","plugins":[]}'),
    7,
    "error parsing configuration list: no plugins in list",
  );
});

Deno.test("planList() refuses CHECK below 0.4.0", () => {
  const list = parseNetworkConfig('{"cniVersion":"0.3.1","name":"net","plugins":[{"type":"a"}]}');
  throwsCni(
    () => planList({ list, command: "CHECK" }),
    1,
    'configuration version "0.3.1" does not support the CHECK command',
  );
});

Deno.test("pluginError() keeps a delegate's own code and describes a silent failure", () => {
  deepStrictEqual(
    pluginError({ stdout: '{"code":11,"msg":"busy"}', stderr: "", exitCode: 1 }),
    { code: 11, msg: "busy" },
  );
  deepStrictEqual(pluginError({ stdout: "", stderr: "", exitCode: null, signal: "SIGKILL" }), {
    code: 999,
    msg: "netplugin failed with no error message: signal: killed",
  });
});

Deno.test("decodeCacheEntry() marks a legacy cache file and throws code 6 on a corrupt one", () => {
  const got = decodeCacheEntry(JSON.stringify(fixture("0.4.0")));
  strictEqual(got.legacy, true);
  strictEqual(got.entry.networkName, "");
  deepStrictEqual(got.result, fixture("0.4.0"));
  throws(() => decodeCacheEntry("{"), (err: unknown) => err instanceof CniError && err.code === 6);
});

Deno.test("compareVersions() and versionInfo() follow libcni", () => {
  strictEqual(compareVersions("", "0.1.0"), 0);
  strictEqual(compareVersions("1.1.0", "1.0.0"), 1);
  throwsCni(
    () => compareVersions("1.0.0.0", "1.0.0"),
    6,
    'invalid version "1.0.0.0": too many parts',
  );
  strictEqual(versionInfo("0.4.0").cniVersion, "0.4.0");
  deepStrictEqual(versionInfo().supportedVersions, [...ALL_VERSIONS]);
});
