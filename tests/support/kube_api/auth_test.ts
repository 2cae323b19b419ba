import assert from "node:assert/strict";
import { createTestPki } from "../certs.ts";
import { call, clientFor } from "./_testing.ts";
import { createAuthenticator } from "./auth.ts";
import { startKubeApiDouble } from "./server.ts";

Deno.test("createAuthenticator() prefers a verified client certificate over the token", () => {
  const authenticate = createAuthenticator({ tokens: ["t", { token: "u", user: "alice" }] });
  const cert = {
    authorized: true,
    subject: { CN: "system:multus:node1", O: ["system:multus", "system:nodes"] },
  };
  assert.deepEqual(authenticate({ clientCert: cert, authorization: "Bearer wrong" }), {
    name: "system:multus:node1",
    groups: ["system:multus", "system:nodes", "system:authenticated"],
  });
  assert.equal(authenticate({ authorization: "Bearer t" })?.name, "token-0");
  assert.equal(authenticate({ authorization: "Bearer u" })?.name, "alice");
});

Deno.test("createAuthenticator() rejects presented but invalid credentials even when anonymous is on", () => {
  const authenticate = createAuthenticator({ tokens: ["t"], anonymous: true });
  assert.equal(authenticate({ authorization: "Bearer nope" }), undefined);
  assert.equal(authenticate({ authorization: "Basic dTpw" }), undefined);
  assert.equal(
    authenticate({ clientCert: { authorized: false, subject: { CN: "x" } } }),
    undefined,
  );
  assert.equal(authenticate({})?.name, "system:anonymous");
  assert.equal(createAuthenticator({ tokens: ["t"] })({}), undefined);
});

Deno.test("startKubeApiDouble() accepts a configured bearer token and rejects others with 401", async () => {
  const api = await startKubeApiDouble({ tokens: [{ token: "good", user: "multus" }] });
  try {
    const ok = await call(api, "/api/v1/pods", { token: "good" });
    assert.equal(ok.status, 200);
    for (const token of ["bad", undefined]) {
      const denied = await call(api, "/api/v1/pods", token ? { token } : {});
      assert.equal(denied.status, 401);
      assert.deepEqual(denied.body, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Unauthorized",
        reason: "Unauthorized",
        code: 401,
      });
    }
    assert.deepEqual(api.requests().map((r) => [r.status, r.user]), [
      [200, "multus"],
      [401, undefined],
      [401, undefined],
    ]);
  } finally {
    await api.stop();
  }
});

Deno.test("startKubeApiDouble() authenticates a client certificate signed by its CA as CN", async () => {
  const api = await startKubeApiDouble();
  const foreign = await createTestPki({ caName: "someone else" });
  const pki = api.pki;
  assert.ok(pki);
  const identity = await pki.issueClient("system:multus:node1", { groups: ["system:multus"] });
  const stranger = await foreign.issueClient("system:multus:node1");
  const trusted = clientFor(api, identity);
  const untrusted = clientFor(api, stranger);
  try {
    const ok = await call(api, "/api/v1/pods", { client: trusted });
    assert.equal(ok.status, 200);
    const denied = await call(api, "/api/v1/pods", { client: untrusted });
    assert.equal(denied.status, 401);
    assert.deepEqual(api.requests().map((r) => r.user), ["system:multus:node1", undefined]);
  } finally {
    trusted.close();
    untrusted.close();
    await foreign.cleanup();
    await api.stop();
  }
});

Deno.test("startKubeApiDouble() serves plain HTTP without credentials when tls is false and anonymous is on", async () => {
  const api = await startKubeApiDouble({ tls: false, anonymous: true });
  try {
    assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.caPem, undefined);
    const response = await fetch(`${api.url}/api/v1/pods`);
    assert.equal(response.status, 200);
    assert.equal((await response.json()).kind, "PodList");
    assert.equal(api.requests()[0]?.user, "system:anonymous");
  } finally {
    await api.stop();
  }
});
