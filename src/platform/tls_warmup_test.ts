import { assertEquals } from "../../tests/support/assert.ts";
import { warmUpTlsEntropy } from "./tls_warmup.ts";

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
