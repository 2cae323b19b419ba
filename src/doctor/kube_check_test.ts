import { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { checkKube, judgeToken, jwtTimes } from "./kube_check.ts";
import type { KubeClient, KubeConnectionConfig } from "../kube/mod.ts";

const NOW = Date.UTC(2026, 0, 1) / 1000;

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "RS256" })}.${b64(claims)}.c2ln`;
}

Deno.test("jwtTimes() reads exp and iat of a JWT and nothing of other tokens", () => {
  assertEquals(jwtTimes(jwt({ exp: 5, iat: 1 })), { exp: 5, iat: 1 });
  assertEquals(jwtTimes("abcdef0123456789"), null);
  assertEquals(jwtTimes("a.!!!.c"), null);
});

Deno.test("judgeToken() fails an expired token, warns a token file that stopped rotating, passes the rest", () => {
  const cases: Array<[string, string, { file?: string }, string]> = [
    ["expired", jwt({ exp: NOW - 60, iat: NOW - 3660 }), {}, "fail"],
    ["valid", jwt({ exp: NOW + 3000, iat: NOW - 600 }), {}, "pass"],
    ["not rotating", jwt({ exp: NOW + 60, iat: NOW - 3540 }), { file: "/t" }, "warn"],
    ["rotated", jwt({ exp: NOW + 3000, iat: NOW - 600 }), { file: "/t" }, "pass"],
    ["legacy secret token", "opaque-token", {}, "pass"],
  ];
  for (const [name, token, source, verdict] of cases) {
    const f = judgeToken(token, source, NOW * 1000);
    assertEquals(f.verdict, verdict, name);
    assertEquals(f.what.includes(token), false, "the token is never printed");
  }
});

function fakeClient(answer: () => Promise<unknown>): KubeClient {
  return {
    serverVersion: () => answer(),
    close: () => {},
  } as unknown as KubeClient;
}

const CONFIG: KubeConnectionConfig = {
  origin: "kubeconfig /k",
  server: "https://api:6443",
  tls: { kind: "system" } as unknown as KubeConnectionConfig["tls"],
  auth: { kind: "tokenFile", path: "/token" },
  warnings: [],
};

Deno.test("checkKube() reports the kubeconfig, the token file and /version; a 401 says to renew the credentials", async () => {
  const fs = {
    readText: (p: string) =>
      Promise.resolve(p === "/token" ? jwt({ exp: NOW + 3000, iat: NOW }) : null),
    stat: () => Promise.resolve(null),
  };
  const ok = await checkKube("/k", {
    loadConnection: () => Promise.resolve(CONFIG),
    makeClient: () => Promise.resolve(fakeClient(() => Promise.resolve({ gitVersion: "v1.31.0" }))),
    fs,
    now: () => NOW * 1000,
    timeoutMs: 1000,
  });
  assertEquals(ok.findings.map((f) => `${f.check} ${f.verdict}`), [
    "kubeconfig pass",
    "token pass",
    "api pass",
  ]);
  assertMatch(ok.findings[2]!.what, /v1\.31\.0/);
  const denied = await checkKube("/k", {
    loadConnection: () => Promise.resolve(CONFIG),
    makeClient: () =>
      Promise.resolve(fakeClient(() => Promise.reject(new Error("401 Unauthorized")))),
    fs,
    now: () => NOW * 1000,
    timeoutMs: 1000,
  });
  assertEquals(denied.client, null);
  assertEquals(denied.findings.at(-1)?.verdict, "fail");
  assertMatch(denied.findings.at(-1)?.fix ?? "", /renew/);
  const broken = await checkKube("/k", {
    loadConnection: () => Promise.reject(new Error("invalid kubeconfig")),
    makeClient: () => Promise.reject(new Error("unused")),
    fs,
    now: () => NOW * 1000,
    timeoutMs: 1000,
  });
  assertEquals(broken.findings.map((f) => `${f.check} ${f.verdict}`), ["kubeconfig fail"]);
});
