import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import { envFromObject } from "../platform/process.ts";
import { MemoryFs } from "./_testing.ts";
import { inClusterEnvSet, loadInClusterConfig, SERVICE_ACCOUNT_DIR } from "./in_cluster.ts";

const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const SA = "/sa";

function serviceAccount(): MemoryFs {
  return new MemoryFs()
    .write(`${SA}/token`, "tok\n")
    .write(`${SA}/ca.crt`, CA)
    .write(`${SA}/namespace`, "kube-system\n");
}

Deno.test("inClusterEnvSet() needs both service variables non-empty", () => {
  assertEquals(
    inClusterEnvSet(
      envFromObject({ KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" }),
    ),
    true,
  );
  assertEquals(inClusterEnvSet(envFromObject({ KUBERNETES_SERVICE_HOST: "10.96.0.1" })), false);
  assertEquals(
    inClusterEnvSet(envFromObject({ KUBERNETES_SERVICE_HOST: "", KUBERNETES_SERVICE_PORT: "443" })),
    false,
  );
});

Deno.test("loadInClusterConfig() builds the server URL, token file, CA and namespace", async () => {
  const config = await loadInClusterConfig({
    env: envFromObject({ KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" }),
    fs: serviceAccount(),
    serviceAccountDir: `${SA}/`,
  });
  assertEquals(config.server, "https://10.96.0.1:443");
  assertEquals(config.auth, { kind: "tokenFile", path: "/sa/token" });
  assertEquals(config.tls, { insecureSkipVerify: false, caPems: [CA] });
  assertEquals(config.namespace, "kube-system");
  assertEquals(config.warnings, []);
  assertEquals(config.origin, "in-cluster config");
});

Deno.test("loadInClusterConfig() puts an IPv6 service host in brackets", async () => {
  const config = await loadInClusterConfig({
    env: envFromObject({
      KUBERNETES_SERVICE_HOST: "fd00:10:96::1",
      KUBERNETES_SERVICE_PORT: "6443",
    }),
    fs: serviceAccount(),
    serviceAccountDir: SA,
  });
  assertEquals(config.server, "https://[fd00:10:96::1]:6443");
});

Deno.test("loadInClusterConfig() fails naming the token file when it is missing", async () => {
  const fs = serviceAccount();
  fs.remove(`${SA}/token`);
  const err = await rejects(
    loadInClusterConfig({
      env: envFromObject({ KUBERNETES_SERVICE_HOST: "h", KUBERNETES_SERVICE_PORT: "1" }),
      fs,
      serviceAccountDir: SA,
    }),
    (e: unknown) => {
      ok(e instanceof CniError);
      assertEquals(
        e.message,
        "GetK8sClient: failed to get in-cluster config: open /sa/token: no such file or directory",
      );
      return true;
    },
  );
  void err;
});

Deno.test("loadInClusterConfig() goes on without a CA, with a warning, when ca.crt is missing", async () => {
  const fs = serviceAccount();
  fs.remove(`${SA}/ca.crt`);
  fs.remove(`${SA}/namespace`);
  const config = await loadInClusterConfig({
    env: envFromObject({ KUBERNETES_SERVICE_HOST: "h", KUBERNETES_SERVICE_PORT: "1" }),
    fs,
    serviceAccountDir: SA,
  });
  assertEquals(config.tls, { insecureSkipVerify: false });
  assertEquals(config.namespace, undefined);
  assertEquals(config.warnings, [
    "Expected to load root CA config from /sa/ca.crt, but got err: open /sa/ca.crt: no such file or directory",
  ]);
});

Deno.test("loadInClusterConfig() defaults to the standard service-account directory", async () => {
  const fs = new MemoryFs().write(`${SERVICE_ACCOUNT_DIR}/token`, "t");
  const config = await loadInClusterConfig({
    env: envFromObject({ KUBERNETES_SERVICE_HOST: "h", KUBERNETES_SERVICE_PORT: "1" }),
    fs,
  });
  assertEquals(config.auth, {
    kind: "tokenFile",
    path: "/var/run/secrets/kubernetes.io/serviceaccount/token",
  });
});
