import assert from "node:assert/strict";
import { load } from "js-yaml";
import {
  kubeconfigObject,
  renderKubeconfig,
  writeInClusterConfig,
  writeKubeconfig,
} from "./kubeconfig.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

Deno.test("renderKubeconfig() writes kubectl's YAML layout when given a token and CA data", () => {
  const text = renderKubeconfig({ server: "https://127.0.0.1:6443", caData: PEM, token: "t" });
  assert.deepEqual(load(text), {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [{
      name: "test-cluster",
      cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": btoa(PEM) },
    }],
    users: [{ name: "test-user", user: { token: "t" } }],
    contexts: [{ name: "test-context", context: { cluster: "test-cluster", user: "test-user" } }],
    "current-context": "test-context",
  });
});

Deno.test("renderKubeconfig() writes JSON with file paths when format is json", () => {
  const text = renderKubeconfig({
    server: "https://h:1",
    caFile: "/ca.crt",
    clientCertFile: "/c.crt",
    clientKeyFile: "/c.key",
    insecureSkipTlsVerify: false,
    namespace: "kube-system",
    format: "json",
  });
  const config = JSON.parse(text);
  assert.deepEqual(config.clusters[0].cluster, {
    server: "https://h:1",
    "certificate-authority": "/ca.crt",
    "insecure-skip-tls-verify": false,
  });
  assert.deepEqual(config.users[0].user, {
    "client-certificate": "/c.crt",
    "client-key": "/c.key",
  });
  assert.equal(config.contexts[0].context.namespace, "kube-system");
});

Deno.test("kubeconfigObject() builds an exec stanza with v1 defaults when exec is given", () => {
  const config = kubeconfigObject({
    server: "https://h:1",
    tokenFile: "/token",
    clientCertData: PEM,
    clientKeyData: PEM,
    exec: { command: "/bin/cred", args: ["get"], env: { A: "1" } },
  });
  const user = (config["users"] as { user: Record<string, unknown> }[])[0]?.user;
  assert.deepEqual(user, {
    tokenFile: "/token",
    "client-certificate-data": btoa(PEM),
    "client-key-data": btoa(PEM),
    exec: {
      apiVersion: "client.authentication.k8s.io/v1",
      command: "/bin/cred",
      args: ["get"],
      env: [{ name: "A", value: "1" }],
      interactiveMode: "Never",
    },
  });
});

Deno.test("writeKubeconfig() writes the file with mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeKubeconfig(`${dir}/kc`, { server: "https://h:1", token: "t" });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.match(await Deno.readTextFile(path), /current-context: "test-context"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeInClusterConfig() writes token, ca.crt, namespace and the service env", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = await writeInClusterConfig(`${dir}/sa`, {
      server: "https://127.0.0.1:34567",
      token: "t",
      caPem: PEM,
    });
    assert.equal(await Deno.readTextFile(config.tokenFile), "t");
    assert.equal(await Deno.readTextFile(config.caFile), PEM);
    assert.equal(await Deno.readTextFile(config.namespaceFile), "kube-system");
    assert.deepEqual(config.env, {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: "34567",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
