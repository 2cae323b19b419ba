import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createTestPki } from "./certs.ts";

async function opensslText(certFile: string): Promise<string> {
  const output = await new Deno.Command("openssl", {
    args: ["x509", "-in", certFile, "-noout", "-text"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout);
}

Deno.test("createTestPki() makes X.509 v3 CA, server and client certificates", async () => {
  const pki = await createTestPki();
  try {
    const ca = new X509Certificate(pki.ca.certPem);
    const server = new X509Certificate(pki.server.certPem);
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.ok(server.verify(ca.publicKey));
    assert.match(server.subjectAltName ?? "", /DNS:localhost/);
    assert.match(server.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
    const client = await pki.issueClient("system:multus:node1", {
      groups: ["system:multus", "system:nodes"],
    });
    const cert = new X509Certificate(client.certPem);
    assert.ok(cert.verify(ca.publicKey));
    assert.match(cert.subject, /CN=system:multus:node1/);
    assert.match(cert.subject, /O=system:multus/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.equal(await Deno.readTextFile(client.bundleFile), client.certPem + client.keyPem);
    for (const file of [pki.ca.certFile, pki.server.certFile, client.certFile]) {
      const text = await opensslText(file);
      assert.match(text, /Version: 3 \(0x2\)/, file);
    }
    assert.match(await opensslText(client.certFile), /TLS Web Client Authentication/);
    assert.match(await opensslText(pki.server.certFile), /TLS Web Server Authentication/);
  } finally {
    await pki.cleanup();
  }
  await assert.rejects(Deno.stat(pki.dir), Deno.errors.NotFound);
});

Deno.test("createTestPki() puts the requested names in the server certificate SANs", async () => {
  const pki = await createTestPki({ serverNames: ["api.test", "10.0.0.1"] });
  try {
    const san = new X509Certificate(pki.server.certPem).subjectAltName ?? "";
    assert.match(san, /DNS:api\.test/);
    assert.match(san, /IP Address:10\.0\.0\.1/);
  } finally {
    await pki.cleanup();
  }
});
