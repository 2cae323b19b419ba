import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { envFromObject } from "../platform/process.ts";
import { FakeExec, MemoryFs } from "./_testing.ts";
import type { ExecConfig } from "./_config.ts";
import { ExecCredentialProvider, execInfo, parseExecCredential } from "./exec_credential.ts";

const V1 = "client.authentication.k8s.io/v1";
const V1BETA1 = "client.authentication.k8s.io/v1beta1";

function cred(status: Record<string, unknown> | undefined, apiVersion = V1): string {
  return JSON.stringify({ kind: "ExecCredential", apiVersion, ...(status ? { status } : {}) });
}

function execConfig(overrides: Partial<ExecConfig> = {}): ExecConfig {
  return {
    apiVersion: V1,
    command: "get-token",
    args: ["--x"],
    env: [{ name: "EXTRA", value: "1" }],
    interactiveMode: "Never",
    provideClusterInfo: false,
    ...overrides,
  };
}

function setup(respond: ConstructorParameters<typeof FakeExec>[0], config = execConfig()) {
  const exec = new FakeExec(respond);
  const fs = new MemoryFs().write("/usr/bin/get-token", "#!/bin/sh");
  let now = Date.parse("2030-01-01T00:00:00Z");
  const provider = new ExecCredentialProvider(config, {
    exec,
    fs,
    env: envFromObject({ PATH: "/bin:/usr/bin", HOME: "/root" }),
    now: () => now,
    cluster: {
      server: "https://10.0.0.1:6443",
      tls: { insecureSkipVerify: false, caPems: ["CA"], serverName: "k8s" },
    },
  });
  return { exec, fs, provider, advance: (ms: number) => (now += ms) };
}

Deno.test("parseExecCredential() reads a token, a certificate pair and the expiry", () => {
  assertEquals(parseExecCredential(cred({ token: "t" }), V1), { token: "t" });
  assertEquals(
    parseExecCredential(
      cred({
        clientCertificateData: "C",
        clientKeyData: "K",
        expirationTimestamp: "2030-01-01T00:00:00Z",
      }, V1BETA1),
      V1BETA1,
    ),
    { clientCert: { certPem: "C", keyPem: "K" }, expiresAt: Date.parse("2030-01-01T00:00:00Z") },
  );
});

Deno.test("parseExecCredential() rejects bad output with client-go's reasons and never quotes stdout", () => {
  const cases: Array<[string, string]> = [
    ["token: s3cr3t", "decoding stdout: the plugin did not print a JSON ExecCredential"],
    [
      JSON.stringify({ kind: "Other", apiVersion: V1 }),
      'decoding stdout: expected kind ExecCredential, got "Other"',
    ],
    [
      cred({ token: "s3cr3t" }, V1BETA1),
      `exec plugin is configured to use API version ${V1}, plugin returned version ${V1BETA1}`,
    ],
    [cred(undefined), "exec plugin didn't return a status field"],
    [cred({}), "exec plugin didn't return a token or cert/key pair"],
    [cred({ clientKeyData: "K" }), "exec plugin returned only certFile or keyFile, but not both"],
    [
      cred({ token: "s3cr3t", expirationTimestamp: "soon" }),
      'exec plugin returned an invalid expirationTimestamp "soon"',
    ],
  ];
  for (const [stdout, reason] of cases) {
    throws(() => parseExecCredential(stdout, V1), (e: unknown) => {
      assertEquals((e as Error).message, reason);
      ok(!(e as Error).message.includes("s3cr3t"));
      return true;
    });
  }
});

Deno.test("execInfo() sends the cluster only with provideClusterInfo", () => {
  const cluster = {
    server: "https://s",
    tls: { insecureSkipVerify: true, caPems: ["PEM"], serverName: "n" },
  };
  assertEquals(JSON.parse(execInfo(execConfig(), cluster)), {
    kind: "ExecCredential",
    apiVersion: V1,
    spec: { interactive: false },
  });
  assertEquals(
    JSON.parse(execInfo(execConfig({ provideClusterInfo: true }), cluster)).spec.cluster,
    {
      server: "https://s",
      "tls-server-name": "n",
      "insecure-skip-tls-verify": true,
      "certificate-authority-data": btoa("PEM"),
    },
  );
});

Deno.test("ExecCredentialProvider.get() runs the plugin found on PATH with the env and KUBERNETES_EXEC_INFO", async () => {
  const { exec, provider } = setup(() => ({ stdout: cred({ token: "t1" }) }));
  assertEquals(await provider.get(), { token: "t1" });
  const call = exec.calls[0]!;
  assertEquals(call.path, "/usr/bin/get-token");
  assertEquals(call.args, ["--x"]);
  assertEquals(call.env["HOME"], "/root");
  assertEquals(call.env["EXTRA"], "1");
  assertEquals(JSON.parse(call.env["KUBERNETES_EXEC_INFO"]!).spec, { interactive: false });
});

Deno.test("ExecCredentialProvider.get() caches until expirationTimestamp, then runs the plugin again", async () => {
  let n = 0;
  const { exec, provider, advance } = setup(() => ({
    stdout: cred({
      token: `t${++n}`,
      expirationTimestamp: n === 1 ? "2030-01-01T00:10:00Z" : undefined,
    }),
  }));
  assertEquals((await provider.get()).token, "t1");
  advance(9 * 60_000);
  assertEquals((await provider.get()).token, "t1");
  assertEquals(exec.calls.length, 1);
  advance(2 * 60_000);
  assertEquals((await provider.get()).token, "t2");
  assertEquals(exec.calls.length, 2);
  // no expiry: cached until invalidated (after a 401)
  assertEquals((await provider.get()).token, "t2");
  provider.invalidate();
  assertEquals((await provider.get()).token, "t3");
});

Deno.test("ExecCredentialProvider.get() runs the plugin once for concurrent callers", async () => {
  const { exec, provider } = setup(() => ({ stdout: cred({ token: "t" }) }));
  const all = await Promise.all([provider.get(), provider.get(), provider.get()]);
  assertEquals(all.map((c) => c.token), ["t", "t", "t"]);
  assertEquals(exec.calls.length, 1);
});

Deno.test("ExecCredentialProvider.get() fails naming the command and the reason", async () => {
  const cases: Array<[Partial<ExecConfig>, ConstructorParameters<typeof FakeExec>[0], string]> = [
    [{ command: "missing" }, () => ({}), "getting credentials: exec: executable missing not found"],
    [
      { command: "missing", installHint: "apt install missing" },
      () => ({}),
      "getting credentials: exec: executable missing not found\n\napt install missing",
    ],
    [
      {},
      () => ({ code: 2, stderr: "error: Bearer s3cr3t rejected\nmore\n" }),
      "getting credentials: exec: executable get-token failed with exit code 2: error: Bearer [redacted] rejected",
    ],
    [
      {},
      () => ({ code: null, signal: "SIGKILL", timedOut: true }),
      "getting credentials: exec: executable get-token did not finish within 30000 ms",
    ],
    [
      {},
      () => ({ stdout: "{" }),
      "getting credentials: exec: executable get-token: decoding stdout: the plugin did not print a JSON ExecCredential",
    ],
    [
      { interactiveMode: "Always" },
      () => ({}),
      "getting credentials: exec: exec plugin get-token requires interactive mode (interactiveMode: Always), which is not available here",
    ],
    [
      { apiVersion: "client.authentication.k8s.io/v1alpha1" },
      () => ({}),
      'getting credentials: exec: exec plugin get-token: invalid apiVersion "client.authentication.k8s.io/v1alpha1"',
    ],
  ];
  for (const [overrides, respond, message] of cases) {
    const { provider } = setup(respond, execConfig(overrides));
    await rejects(provider.get(), (e: unknown) => {
      assertEquals((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("ExecCredentialProvider.get() runs an absolute command without a PATH lookup", async () => {
  const { exec, fs, provider } = setup(
    () => ({ stdout: cred({ token: "t" }) }),
    execConfig({ command: "/opt/bin/tok" }),
  );
  await rejects(provider.get(), /executable \/opt\/bin\/tok not found/);
  fs.write("/opt/bin/tok", "");
  await provider.get();
  assertEquals(exec.calls[0]!.path, "/opt/bin/tok");
});
