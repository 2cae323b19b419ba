import { assertEquals } from "../../tests/support/assert.ts";
import { warmUpTlsEntropy, willUseKubernetes } from "./tls_warmup.ts";

Deno.test("warmUpTlsEntropy returns at once and swallows a failing key generation", async () => {
  const original = crypto.subtle.generateKey;
  let calls = 0;
  Object.defineProperty(crypto.subtle, "generateKey", {
    configurable: true,
    value: () => {
      calls++;
      return Promise.reject(new Error("no ECDSA here"));
    },
  });
  try {
    assertEquals(warmUpTlsEntropy(), undefined);
    await new Promise((resolve) => setTimeout(resolve, 0)); // an unhandled rejection fails the test
    assertEquals(calls, 1);
  } finally {
    Object.defineProperty(crypto.subtle, "generateKey", { configurable: true, value: original });
  }
});

Deno.test("warmUpTlsEntropy survives a WebCrypto that throws synchronously", () => {
  const original = crypto.subtle.generateKey;
  Object.defineProperty(crypto.subtle, "generateKey", {
    configurable: true,
    value: () => {
      throw new TypeError("unsupported");
    },
  });
  try {
    warmUpTlsEntropy();
  } finally {
    Object.defineProperty(crypto.subtle, "generateKey", { configurable: true, value: original });
  }
});

Deno.test("willUseKubernetes: only an ADD whose config names a kubeconfig, or in-cluster", () => {
  const stdin = (text: string) => ({ readStdin: () => new TextEncoder().encode(text) });
  const withKube = stdin('{"cniVersion":"1.0.0","kubeconfig":"/etc/cni/net.d/multus.kubeconfig"}');
  assertEquals(willUseKubernetes("ADD", withKube, {}), true);
  assertEquals(willUseKubernetes("DEL", withKube, {}), false);
  assertEquals(willUseKubernetes(undefined, withKube, {}), false);
  assertEquals(willUseKubernetes("ADD", stdin('{"cniVersion":"1.0.0","delegates":[]}'), {}), false);
  assertEquals(willUseKubernetes("ADD", stdin('{"kubeconfig":""}'), {}), false);
  assertEquals(willUseKubernetes("ADD", stdin("{not json"), {}), false);
  assertEquals(willUseKubernetes("ADD", stdin("[]"), {}), false);
  const inCluster = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
  assertEquals(willUseKubernetes("ADD", stdin("{}"), inCluster), true);
});
