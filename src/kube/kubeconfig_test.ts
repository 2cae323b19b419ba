import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import { MemoryFs } from "./_testing.ts";
import { dirOf, loadKubeconfig, parseKubeconfigText, resolveAgainst } from "./kubeconfig.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n";
const b64 = (s: string): string => btoa(s);

function kubeconfig(
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  context: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c1", cluster: { server: "https://10.0.0.1:6443", ...cluster } }],
    users: [{ name: "u1", user }],
    contexts: [{ name: "ctx", context: { cluster: "c1", user: "u1", ...context } }],
    "current-context": "ctx",
  };
}

function yamlOf(doc: Record<string, unknown>): string {
  // a small hand-written YAML rendering, enough for these documents
  const scalar = (v: unknown): string => JSON.stringify(v);
  const render = (v: unknown, indent: string): string => {
    if (Array.isArray(v)) {
      return v.map((item) => `${indent}- ${render(item, indent + "  ").trimStart()}`).join("");
    }
    if (v && typeof v === "object") {
      return Object.entries(v).map(([k, x]) =>
        x && typeof x === "object" && (!Array.isArray(x) || x.length)
          ? `${indent}${k}:\n${render(x, indent + "  ")}`
          : `${indent}${k}: ${Array.isArray(x) ? "[]" : scalar(x)}\n`
      ).join("");
    }
    return `${scalar(v)}\n`;
  };
  return render(doc, "");
}

async function load(
  fs: MemoryFs,
  path = "/etc/kube/config",
): Promise<ReturnType<typeof loadKubeconfig>> {
  return await loadKubeconfig(path, { fs });
}

async function failure(fs: MemoryFs, path = "/etc/kube/config"): Promise<string> {
  try {
    await loadKubeconfig(path, { fs });
  } catch (err) {
    ok(err instanceof CniError);
    return err.message;
  }
  throw new Error("expected loadKubeconfig() to fail");
}

for (const format of ["json", "yaml"] as const) {
  Deno.test(`loadKubeconfig() reads server, CA data, token and namespace from ${format}`, async () => {
    const doc = kubeconfig({ "certificate-authority-data": b64(CA) }, { token: "abc" }, {
      namespace: "kube-system",
    });
    const fs = new MemoryFs().write(
      "/etc/kube/config",
      format === "json" ? JSON.stringify(doc) : yamlOf(doc),
    );
    const config = await load(fs);
    assertEquals(config.server, "https://10.0.0.1:6443");
    assertEquals(config.tls, { insecureSkipVerify: false, caPems: [CA] });
    assertEquals(config.auth, { kind: "token", token: "abc" });
    assertEquals(config.namespace, "kube-system");
    assertEquals(config.origin, "kubeconfig /etc/kube/config");
    assertEquals(config.kubeconfigPath, "/etc/kube/config");
  });
}

Deno.test("parseKubeconfigText() falls back to YAML for flow-style text that is not JSON", async () => {
  assertEquals(await parseKubeconfigText("{a: 1}"), { a: 1 });
  assertEquals(await parseKubeconfigText(""), {});
});

Deno.test("loadKubeconfig() resolves relative file paths against the kubeconfig's directory", async () => {
  const fs = new MemoryFs()
    .write("/etc/kube/pki/ca.crt", CA)
    .write("/etc/kube/pki/client.crt", CERT)
    .write("/etc/kube/pki/client.key", KEY)
    .write("/abs/token", "t0ken\n")
    .write(
      "/etc/kube/config",
      JSON.stringify(kubeconfig({ "certificate-authority": "pki/ca.crt" }, {
        "client-certificate": "pki/client.crt",
        "client-key": "./pki/client.key",
        tokenFile: "/abs/token",
      })),
    );
  const config = await load(fs);
  assertEquals(config.tls.caPems, [CA]);
  assertEquals(config.clientCert, {
    cert: { file: "/etc/kube/pki/client.crt" },
    key: { file: "/etc/kube/pki/client.key" },
  });
  assertEquals(config.auth, { kind: "tokenFile", path: "/abs/token" });
});

Deno.test("resolveAgainst() and dirOf() handle absolute, relative and bare paths", () => {
  assertEquals(resolveAgainst("/a/b", "c"), "/a/b/c");
  assertEquals(resolveAgainst("/a/b", "/c"), "/c");
  assertEquals(resolveAgainst(".", "c"), "c");
  assertEquals(resolveAgainst("/a/b", "./c/../d"), "/a/b/d");
  assertEquals(resolveAgainst("/a", "../../x"), "/x");
  assertEquals(resolveAgainst("a", "../../x"), "../x");
  assertEquals(dirOf("/a/b/config"), "/a/b");
  assertEquals(dirOf("/config"), "/");
  assertEquals(dirOf("config"), ".");
});

Deno.test("loadKubeconfig() decodes client certificate data and keeps insecure and tls-server-name", async () => {
  const fs = new MemoryFs().write(
    "/k",
    JSON.stringify(kubeconfig(
      { "insecure-skip-tls-verify": true, "tls-server-name": "kubernetes.default" },
      { "client-certificate-data": b64(CERT), "client-key-data": b64(KEY) },
    )),
  );
  const config = await load(fs, "/k");
  assertEquals(config.tls, { insecureSkipVerify: true, serverName: "kubernetes.default" });
  assertEquals(config.clientCert, { cert: { pem: CERT }, key: { pem: KEY } });
  assertEquals(config.auth, { kind: "none" });
});

Deno.test("loadKubeconfig() reads basic auth, exec and auth-provider users", async () => {
  const fs = new MemoryFs()
    .write("/b", JSON.stringify(kubeconfig({}, { username: "admin", password: "pw" })))
    .write(
      "/e",
      JSON.stringify(kubeconfig({}, {
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "bin/get-token",
          args: ["--cluster", "c1"],
          env: [{ name: "REGION", value: "eu" }],
          interactiveMode: "Never",
          provideClusterInfo: true,
          installHint: "install get-token",
        },
      })),
    )
    .write(
      "/p",
      JSON.stringify(
        kubeconfig({}, { "auth-provider": { name: "oidc", config: { "id-token": "x" } } }),
      ),
    );
  assertEquals((await load(fs, "/b")).auth, { kind: "basic", username: "admin", password: "pw" });
  assertEquals((await load(fs, "/e")).auth, {
    kind: "exec",
    exec: {
      apiVersion: "client.authentication.k8s.io/v1",
      command: "/bin/get-token",
      args: ["--cluster", "c1"],
      env: [{ name: "REGION", value: "eu" }],
      interactiveMode: "Never",
      provideClusterInfo: true,
      installHint: "install get-token",
    },
  });
  assertEquals((await load(fs, "/p")).auth, {
    kind: "authProvider",
    name: "oidc",
    config: { "id-token": "x" },
  });
});

Deno.test("loadKubeconfig() keeps a bare exec command for a PATH lookup and adds https:// to a bare host", async () => {
  const fs = new MemoryFs().write(
    "/dir/k",
    JSON.stringify({
      ...kubeconfig({ server: "10.0.0.1:6443/" }, {
        exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws" },
      }),
    }),
  );
  const config = await load(fs, "/dir/k");
  assertEquals(config.server, "https://10.0.0.1:6443");
  ok(config.auth.kind === "exec");
  assertEquals(config.auth.exec.command, "aws");
  assertEquals(config.auth.exec.interactiveMode, "IfAvailable");
});

Deno.test("loadKubeconfig() fails with Multus's prefix and a reason naming the problem", async () => {
  const cases: Array<[string, unknown, string]> = [
    ["missing file", undefined, "stat /etc/kube/config: no such file or directory"],
    [
      "no current-context",
      { ...kubeconfig({}, {}), "current-context": "" },
      "invalid configuration: no current-context is set",
    ],
    [
      "unknown context",
      { ...kubeconfig({}, {}), "current-context": "nope" },
      "context was not found for specified context: nope",
    ],
    [
      "unknown cluster",
      kubeconfig({}, {}, { cluster: "c9" }),
      `cluster "c9" was not found for context "ctx"`,
    ],
    [
      "unknown user",
      kubeconfig({}, {}, { user: "u9" }),
      `user "u9" was not found for context "ctx"`,
    ],
    ["no server", kubeconfig({ server: "" }, {}), `no server found for cluster "c1"`],
    [
      "insecure with CA",
      kubeconfig({ "insecure-skip-tls-verify": true, "certificate-authority-data": b64(CA) }, {}),
      `cluster "c1": specifying a root certificates file with the insecure flag is not allowed`,
    ],
    [
      "CA file missing",
      kubeconfig({ "certificate-authority": "ca.crt" }, {}),
      `unable to read certificate-authority /etc/kube/ca.crt for cluster "c1" due to open /etc/kube/ca.crt: no such file or directory`,
    ],
    [
      "bad base64",
      kubeconfig({ "certificate-authority-data": "%%%" }, {}),
      `certificate-authority-data of cluster "c1" is not valid base64`,
    ],
    [
      "cert without key",
      kubeconfig({}, { "client-certificate-data": b64(CERT) }),
      "client-key-data or client-key must be specified for u1 to use the clientCert authentication method.",
    ],
    [
      "cert file missing",
      kubeconfig({}, { "client-certificate": "/nope.crt", "client-key-data": b64(KEY) }),
      "unable to read client-cert /nope.crt for u1 due to open /nope.crt: no such file or directory",
    ],
    [
      "cert data and file",
      kubeconfig({}, { "client-certificate": "/x", "client-certificate-data": b64(CERT) }),
      "client-cert-data and client-cert are both specified for u1. client-cert-data will override.",
    ],
    [
      "token and basic",
      kubeconfig({}, { token: "t", username: "u" }),
      "more than one authentication method found for u1; found [token basicAuth], only one is allowed",
    ],
    [
      "exec and auth-provider",
      kubeconfig({}, { exec: { command: "x" }, "auth-provider": { name: "gcp" } }),
      "authProvider cannot be provided in combination with an exec plugin for u1",
    ],
    [
      "exec v1 without interactiveMode",
      kubeconfig({}, { exec: { command: "x", apiVersion: "client.authentication.k8s.io/v1" } }),
      "interactiveMode must be specified for u1 to use exec authentication plugin",
    ],
    [
      "token file missing",
      kubeconfig({}, { tokenFile: "/no/token" }),
      "unable to read tokenFile for u1 due to open /no/token: no such file or directory",
    ],
    [
      "not a mapping",
      "[1, 2]",
      `error loading config file "/etc/kube/config": the kubeconfig is not a mapping`,
    ],
  ];
  for (const [what, doc, reason] of cases) {
    const fs = new MemoryFs();
    if (doc !== undefined) {
      fs.write("/etc/kube/config", typeof doc === "string" ? doc : JSON.stringify(doc));
    }
    assertEquals(
      await failure(fs),
      `GetK8sClient: failed to get context for the kubeconfig /etc/kube/config: ${reason}`,
      what,
    );
  }
});

Deno.test("loadKubeconfig() reports a YAML error by line and column without quoting the file", async () => {
  const text = 'users:\n- name: u1\n  user:\n    token: "s3cr3t-token"\n   bad: [\n';
  const message = await failure(new MemoryFs().write("/etc/kube/config", text));
  ok(
    message.startsWith(
      `GetK8sClient: failed to get context for the kubeconfig /etc/kube/config: error loading config file "/etc/kube/config": yaml: line `,
    ),
    message,
  );
  ok(!message.includes("s3cr3t-token"), message);
});

Deno.test("loadKubeconfig() never puts token or key material into its errors", async () => {
  const fs = new MemoryFs().write(
    "/etc/kube/config",
    JSON.stringify(kubeconfig({ server: "" }, { token: "s3cr3t", "client-key-data": b64(KEY) })),
  );
  const message = await failure(fs);
  ok(!message.includes("s3cr3t") && !message.includes("SECRETKEY") && !message.includes(b64(KEY)));
});

Deno.test("loadKubeconfig() rejects with a CniError of code 999", async () => {
  await rejects(
    loadKubeconfig("/none", { fs: new MemoryFs() }),
    (e: unknown) => e instanceof CniError && e.code === 999,
  );
});
