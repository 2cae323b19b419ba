import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { envFromObject } from "../platform/process.ts";
import { FakeExec, MemoryFs } from "./_testing.ts";
import { createCredentialSource, WatchedFile } from "./credentials.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";

function config(overrides: Partial<KubeConnectionConfig>): KubeConnectionConfig {
  return {
    origin: "kubeconfig /k",
    server: "https://s",
    tls: { insecureSkipVerify: false },
    auth: { kind: "none" },
    warnings: [],
    ...overrides,
  };
}

function deps(fs = new MemoryFs(), exec = new FakeExec(() => ({}))) {
  return { fs, exec, env: envFromObject({ PATH: "/bin" }) };
}

Deno.test("WatchedFile.read() reads once and again only when mtime or size change", async () => {
  const fs = new MemoryFs().write("/t", "one");
  const file = new WatchedFile("/t", fs);
  assertEquals(await file.read(), "one");
  assertEquals(await file.read(), "one");
  assertEquals(fs.reads.length, 1);
  fs.write("/t", "two");
  assertEquals(await file.read(), "two");
  assertEquals(fs.reads.length, 2);
  file.forget();
  await file.read();
  assertEquals(fs.reads.length, 3);
});

Deno.test("WatchedFile.read() keeps the last good text when the file disappears", async () => {
  const fs = new MemoryFs().write("/t", "one");
  const file = new WatchedFile("/t", fs);
  await file.read();
  fs.remove("/t");
  assertEquals(await file.read(), "one");
  await rejects(new WatchedFile("/none", fs).read(), /open \/none: no such file or directory/);
});

Deno.test("createCredentialSource() rotates a token file and re-reads it after a 401", async () => {
  const fs = new MemoryFs().write("/sa/token", "old\n");
  const source = createCredentialSource(
    config({ auth: { kind: "tokenFile", path: "/sa/token" } }),
    deps(fs),
  );
  assertEquals(await source.get(), { authorization: "Bearer old" });
  await source.get();
  assertEquals(fs.reads, ["/sa/token"]);
  fs.write("/sa/token", "new");
  assertEquals(await source.get(), { authorization: "Bearer new" });
  assertEquals(source.invalidate(), true);
  await source.get();
  assertEquals(fs.reads.length, 3);
  assertEquals(source.description, "token file /sa/token");
});

Deno.test("createCredentialSource() fails on an empty token file unless a token is also given", async () => {
  const fs = new MemoryFs().write("/t", "\n");
  const bare = createCredentialSource(
    config({ auth: { kind: "tokenFile", path: "/t" } }),
    deps(fs),
  );
  await rejects(bare.get(), /read empty token from file "\/t"/);
  const withFallback = createCredentialSource(
    config({ auth: { kind: "tokenFile", path: "/t", fallback: "static" } }),
    deps(fs),
  );
  assertEquals(await withFallback.get(), { authorization: "Bearer static" });
});

Deno.test("createCredentialSource() builds bearer and basic headers and adds the client certificate", async () => {
  const fs = new MemoryFs().write("/c.crt", "CERT").write("/c.key", "KEY");
  const token = createCredentialSource(config({ auth: { kind: "token", token: "abc" } }), deps());
  assertEquals(await token.get(), { authorization: "Bearer abc" });
  assertEquals(token.invalidate(), false);
  const basic = createCredentialSource(
    config({
      auth: { kind: "basic", username: "admin", password: "p\u00e4" },
      clientCert: { cert: { file: "/c.crt" }, key: { file: "/c.key" } },
    }),
    deps(fs),
  );
  const creds = await basic.get();
  assertEquals(creds.authorization, `Basic ${btoa("admin:p\u00c3\u00a4")}`);
  assertEquals(creds.clientCert, { certPem: "CERT", keyPem: "KEY" });
  fs.write("/c.crt", "CERT2");
  assertEquals((await basic.get()).clientCert, { certPem: "CERT2", keyPem: "KEY" });
});

Deno.test("createCredentialSource() takes the token and the certificate from an exec plugin", async () => {
  const fs = new MemoryFs().write("/bin/plugin", "");
  const exec = new FakeExec(() => ({
    stdout: JSON.stringify({
      kind: "ExecCredential",
      apiVersion: "client.authentication.k8s.io/v1",
      status: { token: "t", clientCertificateData: "C", clientKeyData: "K" },
    }),
  }));
  const source = createCredentialSource(
    config({
      auth: {
        kind: "exec",
        exec: {
          apiVersion: "client.authentication.k8s.io/v1",
          command: "plugin",
          args: [],
          env: [],
          interactiveMode: "Never",
          provideClusterInfo: false,
        },
      },
    }),
    deps(fs, exec),
  );
  assertEquals(await source.get(), {
    authorization: "Bearer t",
    clientCert: { certPem: "C", keyPem: "K" },
  });
  assertEquals(source.description, "exec plugin plugin");
  ok(source.invalidate());
});

Deno.test("createCredentialSource() refuses auth-provider users (the exotic path handles them)", () => {
  throws(
    () =>
      createCredentialSource(
        config({ auth: { kind: "authProvider", name: "oidc", config: {} } }),
        deps(),
      ),
    /auth-provider "oidc" is handled by @kubernetes\/client-node/,
  );
});
