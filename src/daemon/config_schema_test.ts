import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Schema, Validator } from "jsonschema";
import yaml from "js-yaml";
import {
  DAEMON_CONFIG_SCHEMA,
  formatViolations,
  MULTUS_CNI_CONFIG_SCHEMA,
  validateDaemonConfig,
  validateMultusCniConfig,
} from "./config_schema.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

function resolve(schema: Schema, s: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.replace("#/definitions/", "");
  return schema.definitions![name]!;
}

function properties(schema: Schema): Array<[string, Schema]> {
  return Object.entries(schema.properties ?? {}).map(([k, s]) => [k, resolve(schema, s)]);
}

/** A value of the wrong JSON type for `s`. */
function wrongValue(s: Schema): unknown {
  switch (s.type) {
    case "string":
      return 42;
    case "boolean":
      return "yes";
    case "integer":
      return "ten";
    case "number":
      return "soon";
    case "array":
      return "a,b";
    case "object":
      return ["x"];
    default:
      throw new Error(`no wrong value for ${JSON.stringify(s)}`);
  }
}

/** A valid value for `s`. */
function goodValue(s: Schema): unknown {
  if (s.default !== undefined) return s.default;
  if (s.title?.startsWith("a CNI version")) return "1.0.0";
  switch (s.type) {
    case "string":
      return "x";
    case "integer":
    case "number":
      return 10;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return true;
  }
}

/** The upstream Multus thick ConfigMap (deployments/multus-daemonset-thick.yml). */
const MULTUS_DAEMON_CONFIG = {
  chrootDir: "/hostroot",
  cniVersion: "0.3.1",
  logLevel: "verbose",
  logToStderr: true,
  cniConfigDir: "/host/etc/cni/net.d",
  multusAutoconfigDir: "/host/etc/cni/net.d",
  multusConfigFile: "auto",
  socketDir: "/host/run/multus/",
};

Deno.test("validateDaemonConfig() accepts Multus's own daemon config and unknown keys", () => {
  assertEquals(validateDaemonConfig(MULTUS_DAEMON_CONFIG), []);
  assertEquals(validateDaemonConfig({ ...MULTUS_DAEMON_CONFIG, someFutureKey: { a: 1 } }), []);
  assertEquals(validateDaemonConfig({ multusConfigFile: "/etc/multus/00-multus.conf" }), []);
  assertEquals(validateDaemonConfig({ cniVersion: "1.1.0", logLevel: "Debug" }), []);
});

Deno.test("validateDaemonConfig() checks the type of every known key", () => {
  const schema = DAEMON_CONFIG_SCHEMA;
  const keys = properties(schema);
  assert(keys.length >= 35, `only ${keys.length} keys`);
  for (const [key, s] of keys) {
    const bad = { cniVersion: "1.0.0", [key]: wrongValue(s) };
    const got = validateDaemonConfig(bad);
    assertEquals(got.length, 1, `${key}: ${JSON.stringify(got)}`);
    assert(got[0]!.startsWith(`${key}: must be `), got[0]!);
    assert(got[0]!.endsWith(`, got ${JSON.stringify(wrongValue(s))}`), got[0]!);
    assertEquals(validateDaemonConfig({ cniVersion: "1.0.0", [key]: goodValue(s) }), [], key);
  }
});

Deno.test("validateDaemonConfig() reports every violation at once, with its path", () => {
  const got = validateDaemonConfig({
    connectionLimit: "ten",
    metricsPort: 70000,
    socketDir: "",
    logLevel: "loud",
    logOptions: { maxAges: 1, maxSize: -1 },
    perNodeCertificate: { enabled: true, certDir: "", certDuration: "10 minutes" },
    systemNamespaces: ["kube-system", 3],
    capabilities: { portMappings: "true" },
    delegates: [{ name: "no-type" }],
    maxQueuedRequests: 0,
    readyzTimeoutSeconds: 0,
    maxRequestBytes: 0,
    requestTimeoutSeconds: "10s",
    maxConnections: 1.5,
    "future key": "ignored",
  });
  assertEquals(got, [
    'socketDir: must be a non-empty string, got ""',
    "metricsPort: must be an integer from 1 to 65535, got 70000",
    'connectionLimit: must be an integer >= 1, got "ten"',
    'logLevel: must be one of "debug", "verbose", "error" or "panic" (any case), got "loud"',
    "logOptions.maxSize: must be an integer >= 0, got -1",
    "logOptions.maxAges: is not a known key (known keys: maxAge, maxSize, maxBackups, compress)",
    'perNodeCertificate.certDuration: must be a Go duration such as "10m" or "1h30m", ' +
    'got "10 minutes"',
    "perNodeCertificate.bootstrapKubeconfig: is required (bootstrapKubeconfig and certDir " +
    "are needed when perNodeCertificate.enabled is true)",
    'perNodeCertificate.certDir: must be a non-empty string, got ""',
    'capabilities.portMappings: must be true or false, got "true"',
    "systemNamespaces[1]: must be a string, got 3",
    'delegates[0]: must be a CNI config (with "type") or a conflist (with "plugins"), ' +
    'got {"name":"no-type"}',
    "maxQueuedRequests: must be an integer >= 1, got 0",
    "readyzTimeoutSeconds: must be a number > 0, got 0",
    "maxRequestBytes: must be an integer >= 1, got 0",
    'requestTimeoutSeconds: must be a number > 0, got "10s"',
    "maxConnections: must be an integer >= 1, got 1.5",
    "cniVersion: is required (the CNI version is a mandatory parameter when the " +
    "'-multus-config-file=auto' option is used)",
  ]);
});

Deno.test("validateDaemonConfig() rejects a document that is not an object", () => {
  assertEquals(validateDaemonConfig([1, 2]), ["(root): must be an object, got [1,2]"]);
  assertEquals(validateDaemonConfig("x"), ['(root): must be an object, got "x"']);
  assertEquals(validateDaemonConfig({ cniVersion: "1.0" }), [
    'cniVersion: must be a CNI version such as "0.3.1" or "1.0.0", got "1.0"',
  ]);
});

Deno.test("validateDaemonConfig() quotes odd keys and cuts long values", () => {
  const got = validateDaemonConfig({
    cniVersion: "1.0.0",
    capabilities: { "port mappings": 1 },
    logFile: { text: "x".repeat(100) },
  });
  assertEquals(got.length, 2);
  assertEquals(got[0], `logFile: must be a string, got {"text":"${"x".repeat(48)}...`);
  assertEquals(got[1], 'capabilities["port mappings"]: must be true or false, got 1');
});

Deno.test("the daemon schema documents every key and keeps Multus's defaults", () => {
  for (const [key, s] of properties(DAEMON_CONFIG_SCHEMA)) {
    assert(
      typeof s.description === "string" && s.description.length > 10,
      `${key}: no description`,
    );
  }
  const defaults = Object.fromEntries(
    properties(DAEMON_CONFIG_SCHEMA).filter(([, s]) => s.default !== undefined)
      .map(([k, s]) => [k, s.default]),
  );
  const multus: Record<string, unknown> = {
    chrootDir: "",
    socketDir: "/run/multus/",
    enablePprof: false,
    logToStderr: false,
    logLevel: "panic",
    multusConfigFile: "auto",
    cniConfigDir: "/etc/cni/net.d",
    multusMasterCNI: "",
    forceCNIVersion: false,
    overrideNetworkName: false,
    type: "multus-shim",
    daemonSocketDir: "/run/multus/",
    binDir: "/opt/cni/bin",
    cniDir: "/var/lib/cni/multus",
    confDir: "/etc/cni/multus/net.d",
    systemNamespaces: ["kube-system"],
    multusNamespace: "kube-system",
    namespaceIsolation: false,
    retryDeleteOnError: false,
    cleanupOnExit: false,
  };
  for (const [key, value] of Object.entries(multus)) assertEquals(defaults[key], value, key);
});

Deno.test("the two schemas share identical definitions and use only keywords jsonschema knows", () => {
  const a = DAEMON_CONFIG_SCHEMA.definitions!;
  const b = MULTUS_CNI_CONFIG_SCHEMA.definitions!;
  for (const name of Object.keys(b)) assertEquals(b[name], a[name], name);
  for (const schema of [DAEMON_CONFIG_SCHEMA, MULTUS_CNI_CONFIG_SCHEMA]) {
    assertEquals(schema.$schema, "http://json-schema.org/draft-07/schema#");
    // Throws SchemaError on a misspelt keyword ("minimun") anywhere it is evaluated.
    const strict = { allowUnknownAttributes: false, skipAttributes: ["definitions"] };
    new Validator().validate({ cniVersion: "1.0.0" }, schema, strict);
    new Validator().validate(
      {
        cniVersion: 1,
        logOptions: { a: 1 },
        perNodeCertificate: { enabled: true },
        delegates: [1],
      },
      schema,
      strict,
    );
  }
});

Deno.test("validateMultusCniConfig() requires delegates or clusterNetwork, in Multus's words", () => {
  const msg = "(root): LoadNetConf: at least one delegate/clusterNetwork must be specified";
  assertEquals(validateMultusCniConfig({ name: "multus-cni-network", type: "multus" }), [msg]);
  assertEquals(validateMultusCniConfig({ clusterNetwork: "" }), [msg]);
  assertEquals(validateMultusCniConfig({ delegates: [] }), [msg]);
  assertEquals(
    validateMultusCniConfig({
      cniVersion: "0.3.1",
      name: "multus-cni-network",
      type: "multus-shim",
      clusterNetwork: "/host/etc/cni/net.d/10-flannel.conflist",
      capabilities: { portMappings: true },
      logToStderr: true,
      runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080 }], mac: "x" },
    }),
    [],
  );
  assertEquals(
    validateMultusCniConfig({ delegates: [{ type: "bridge" }], logLevel: "chatty", binDir: 1 }),
    [
      "binDir: must be a string, got 1",
      'logLevel: must be one of "debug", "verbose", "error" or "panic" (any case), got "chatty"',
    ],
  );
});

Deno.test("validateMultusCniConfig() checks the type of every known key", () => {
  const base = { cniVersion: "1.0.0", clusterNetwork: "net" };
  for (const [key, s] of properties(MULTUS_CNI_CONFIG_SCHEMA)) {
    const got = validateMultusCniConfig({ ...base, [key]: wrongValue(s) });
    assert(got.some((v) => v.startsWith(`${key}: must be `)), `${key}: ${JSON.stringify(got)}`);
  }
});

Deno.test("formatViolations() names the file and lists one violation a line", () => {
  assertEquals(
    formatViolations("/etc/cni/net.d/multus.d/daemon-config.json", [
      'connectionLimit: must be an integer >= 1, got "ten"',
      'socketDir: must be a non-empty string, got ""',
    ]),
    "invalid daemon config /etc/cni/net.d/multus.d/daemon-config.json: 2 problems\n" +
      '  connectionLimit: must be an integer >= 1, got "ten"\n' +
      '  socketDir: must be a non-empty string, got ""',
  );
  assertEquals(
    formatViolations("/c.json", ["a: b"]),
    "invalid daemon config /c.json: 1 problem\n  a: b",
  );
});

Deno.test("the thick manifest's daemon-config.json validates against the schema", async () => {
  const text = await Deno.readTextFile(join(root, "deployments/multus-daemonset-thick.yml"));
  const docs = yaml.loadAll(text) as Array<{ kind?: string; data?: Record<string, string> }>;
  const cm = docs.find((d) => d?.kind === "ConfigMap" && d.data?.["daemon-config.json"]);
  assert(cm, "no ConfigMap with daemon-config.json");
  assertEquals(validateDaemonConfig(JSON.parse(cm.data!["daemon-config.json"]!)), []);
});
