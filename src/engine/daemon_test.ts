/**
 * Tests of the daemon facade: each function reaches its engine operation with the right
 * input shape and returns the typed value; errors surface as `CniError`. The detailed
 * behaviour is in the case files (`wasm/tests/cases/{daemon_conf_parse,
 * multus_conf_generate,thin_conf_generate}`), which `cases_test.ts` runs.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { generateMultusConf, generateThinConf, parseDaemonConf } from "./daemon.ts";
import { CniError } from "../cni/error.ts";
import { ALL_VERSIONS } from "../cni/types.ts";

function throwsCni(fn: () => unknown, code: number, msg: string, details?: string): void {
  throws(fn, (err: unknown) => {
    ok(err instanceof CniError, `expected a CniError, got ${String(err)}`);
    strictEqual(err.code, code);
    strictEqual(err.message, msg);
    if (details !== undefined) strictEqual(err.details, details);
    return true;
  });
}

const LOAD = "failed to load the primary CNI configuration as a multus delegate with error";

Deno.test("parseDaemonConf() applies the defaults and derives the socket path", () => {
  const conf = parseDaemonConf('{"cniVersion":"0.3.1","socketDir":"/host/run/multus/"}');
  strictEqual(conf.socketPath, "/host/run/multus/multus.sock");
  strictEqual(conf.cniConfigDir, "/etc/cni/net.d");
  strictEqual(conf.multusAutoconfigDir, "/etc/cni/net.d");
  strictEqual(conf.autoConfig, true);
  strictEqual(conf.connectionLimit, null);
  strictEqual(conf.maxQueuedRequests, 1024);
  strictEqual(conf.readyzTimeoutSeconds, 60);
  strictEqual(conf.maxRequestBytes, 1024 * 1024);
  strictEqual(conf.requestTimeoutSeconds, 10);
  strictEqual(conf.maxConnections, 1024 + 64);
  strictEqual(conf.cleanupOnExit, false);
  deepStrictEqual(conf.dropKeys, ["readinessindicatorfile"]);
  deepStrictEqual(conf.warnings, []);
});

Deno.test("parseDaemonConf() keeps readinessindicatorfile in the overlay outside auto mode", () => {
  const text = '{"multusConfigFile":"/cfg/70-multus.conf","readinessindicatorfile":"/r"}';
  const conf = parseDaemonConf(text);
  strictEqual(conf.autoConfig, false);
  deepStrictEqual(conf.overlay, JSON.parse(text));
  deepStrictEqual(conf.dropKeys, []);
});

Deno.test("parseDaemonConf() warns when auto mode has no cniVersion", () => {
  deepStrictEqual(parseDaemonConf("{}").warnings, [
    "the CNI version is a mandatory parameter when the '-multus-config-file=auto' option is used",
  ]);
});

Deno.test("parseDaemonConf() reports every problem at once", () => {
  throwsCni(
    () => parseDaemonConf('{"connectionLimit":0,"maxQueuedRequests":-1}'),
    7,
    "connection limit must be greater than 0, got 0",
    "connection limit must be greater than 0, got 0; maxQueuedRequests must be 0 or greater, got -1",
  );
});

Deno.test("parseDaemonConf() rejects text that is not JSON with code 6", () => {
  throws(() => parseDaemonConf("{"), (err: unknown) => err instanceof CniError && err.code === 6);
});

const PRIMARY = "/etc/cni/net.d/10-bridge.conf";

for (const v of ALL_VERSIONS) {
  const primary = { path: PRIMARY, text: JSON.stringify({ cniVersion: v, name: "b", type: "x" }) };
  for (const top of ["0.3.1", "1.0.0"]) {
    const compatible = !(top === "1.0.0" && v < "0.4.0");
    Deno.test(`generateMultusConf() ${compatible ? "accepts" : "refuses"} a ${v} primary under ${top}`, () => {
      if (!compatible) {
        throwsCni(
          () => generateMultusConf({ cniVersion: top }, primary),
          7,
          `${LOAD} 'delegate cni version is ${v} while top level cni version is ${top}'`,
        );
        return;
      }
      const out = generateMultusConf({ cniVersion: top }, primary);
      strictEqual(
        out.text,
        `{"cniVersion":"${top}","name":"multus-cni-network","clusterNetwork":"${PRIMARY}","type":"multus-shim"}`,
      );
      deepStrictEqual(out.capabilities, {});
      strictEqual(out.primaryRewrite, undefined);
    });
  }
}

Deno.test("generateMultusConf() writes the union of the enabled capabilities of a conflist", () => {
  const list = {
    cniVersion: "1.0.0",
    name: "k8s",
    plugins: [
      { type: "calico", capabilities: { portMappings: true } },
      { type: "bandwidth", capabilities: { bandwidth: true, ips: false } },
    ],
  };
  const out = generateMultusConf(
    { cniVersion: "1.0.0", logToStderr: true, cniConfigDir: "/x", readinessindicatorfile: "/r" },
    { path: "/etc/cni/net.d/10-calico.conflist", text: JSON.stringify(list) },
  );
  deepStrictEqual(out.capabilities, { bandwidth: true, portMappings: true });
  strictEqual(
    out.text,
    '{"capabilities":{"bandwidth":true,"portMappings":true},"cniVersion":"1.0.0","logToStderr":true,' +
      '"name":"multus-cni-network","clusterNetwork":"/etc/cni/net.d/10-calico.conflist","type":"multus-shim"}',
  );
});

Deno.test("generateMultusConf() refuses the generated file as its own primary", () => {
  throwsCni(
    () =>
      generateMultusConf({ cniVersion: "1.0.0" }, {
        path: "/d/00-multus.conf",
        text: "{}",
      }, { autoconfigDir: "/d" }),
    7,
    "cannot specify /d/00-multus.conf to prevent recursive config load",
  );
});

Deno.test("generateMultusConf() returns the primary's new text with forceCNIVersion", () => {
  const out = generateMultusConf({ cniVersion: "1.0.0", forceCNIVersion: true }, {
    path: PRIMARY,
    text: '{"type":"bridge","name":"b","cniVersion":"0.3.1"}',
  });
  strictEqual(out.primaryRewrite, '{"cniVersion":"1.0.0","name":"b","type":"bridge"}');
});

for (const v of ALL_VERSIONS) {
  Deno.test(`generateThinConf() writes ${v >= "1.0.0" ? "a conflist" : "a conf"} for ${v}`, () => {
    const master = { cniVersion: v, name: "b", type: "bridge" };
    const out = generateThinConf({ path: PRIMARY, text: JSON.stringify(master) }, {
      kubeconfig: "/k",
      confDir: "/etc/cni/multus/net.d",
    });
    strictEqual(out.fileName, v >= "1.0.0" ? "00-multus.conflist" : "00-multus.conf");
    const doc = JSON.parse(out.text);
    strictEqual(doc.cniVersion, v);
    const multus = v >= "1.0.0" ? doc.plugins[0] : doc;
    strictEqual(multus.type, "multus");
    strictEqual(multus.confDir, "/etc/cni/multus/net.d");
    strictEqual(multus.cniConf, undefined);
    deepStrictEqual(multus.delegates, [master]);
  });
}

Deno.test("generateThinConf() refuses a version different from the primary's", () => {
  throwsCni(
    () =>
      generateThinConf({ path: PRIMARY, text: '{"cniVersion":"0.3.1","name":"b","type":"x"}' }, {
        kubeconfig: "/k",
        cniVersion: "1.0.0",
      }),
    7,
    'Multus cni version is "1.0.0" while master plugin cni version is "0.3.1"',
  );
});
