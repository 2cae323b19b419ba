/**
 * Check 2: the Kubernetes credentials. The kubeconfig (or the in-cluster service account)
 * loads; its bearer token, when it is a JWT, is not expired, and a token file is being
 * rotated (kubelet rewrites a projected token at 80% of its life); the API answers
 * `GET /version` within the timeout. The token itself is never printed.
 *
 * @module
 */
import type { KubeClient, KubeConnectionConfig } from "../kube/mod.ts";
import type { Fs } from "../platform/fs.ts";
import { type Finding, finding, messageOf } from "./report.ts";

/** The claims of a JWT that matter here (seconds since the epoch). */
export interface TokenTimes {
  exp?: number;
  iat?: number;
}

/** The `exp`/`iat` claims of `token` when it is a JWT, else null. */
export function jwtTimes(token: string): TokenTimes | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    if (typeof claims !== "object" || claims === null) return null;
    const out: TokenTimes = {};
    if (typeof claims.exp === "number") out.exp = claims.exp;
    if (typeof claims.iat === "number") out.iat = claims.iat;
    return out;
  } catch {
    return null;
  }
}

function ago(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const text = s >= 3600
    ? `${Math.round(s / 360) / 10} h`
    : s >= 60
    ? `${Math.round(s / 60)} min`
    : `${s} s`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

/**
 * Judges a bearer token: expired is a failure; a token file whose token is past 90% of
 * its life (kubelet rotates at 80%) or whose `exp` is near is a warning.
 */
export function judgeToken(
  token: string,
  source: { file?: string; mtimeMs?: number | null },
  nowMs: number,
): Finding {
  const from = source.file ? `token file ${source.file}` : "the kubeconfig's token";
  const times = jwtTimes(token);
  if (times?.exp === undefined) {
    return finding("token", "pass", `${from}: not a JWT with an expiry (it does not expire)`);
  }
  const now = nowMs / 1000;
  const left = times.exp - now;
  if (left <= 0) {
    return finding(
      "token",
      "fail",
      `${from}: expired ${ago(left)}`,
      source.file
        ? "the token file is not rotated: check the projected service-account volume (or kubelet)"
        : "write a fresh token into the kubeconfig (prefer tokenFile with a projected token)",
    );
  }
  if (source.file && times.iat !== undefined && times.exp > times.iat) {
    const used = (now - times.iat) / (times.exp - times.iat);
    if (used > 0.9) {
      const written = source.mtimeMs ? `, file written ${ago((source.mtimeMs / 1000) - now)}` : "";
      return finding(
        "token",
        "warn",
        `${from}: ${Math.round(used * 100)}% of its life used, expires ${
          ago(left)
        }${written}: not rotating`,
        "kubelet rotates projected tokens at 80%: check that the file is a projected service-account token",
      );
    }
  }
  return finding("token", "pass", `${from}: valid, expires ${ago(left)}`);
}

/** Effects of {@linkcode checkKube}. */
export interface KubeCheckDeps {
  /** The connection config (kubeconfig or in-cluster), or null when there is none. */
  loadConnection(): Promise<KubeConnectionConfig | null>;
  /** A client for it. */
  makeClient(config: KubeConnectionConfig): Promise<KubeClient>;
  fs: Pick<Fs, "readText" | "stat">;
  now(): number;
  timeoutMs: number;
}

/** Runs the credential checks; `client` is the working client, or null. */
export async function checkKube(
  kubeconfig: string,
  deps: KubeCheckDeps,
): Promise<{ findings: Finding[]; client: KubeClient | null }> {
  const source = kubeconfig ? `kubeconfig ${kubeconfig}` : "the in-cluster service account";
  let config: KubeConnectionConfig | null;
  try {
    config = await deps.loadConnection();
  } catch (err) {
    return {
      findings: [
        finding(
          "kubeconfig",
          "fail",
          `${source}: ${messageOf(err)}`,
          "fix or regenerate the kubeconfig",
        ),
      ],
      client: null,
    };
  }
  if (config === null) {
    return {
      findings: [finding(
        "kubeconfig",
        "warn",
        "no kubeconfig and no in-cluster environment: Multus runs only its static delegates",
        "set kubeconfig in the Multus config (or the daemon config)",
      )],
      client: null,
    };
  }
  const findings = [
    finding("kubeconfig", "pass", `${config.origin} loads (server ${config.server})`),
  ];
  const auth = config.auth;
  if (auth.kind === "token") findings.push(judgeToken(auth.token, {}, deps.now()));
  if (auth.kind === "tokenFile") {
    const text = await deps.fs.readText(auth.path).catch(() => null);
    if (text === null) {
      findings.push(
        finding(
          "token",
          "fail",
          `token file ${auth.path} cannot be read`,
          "mount the service-account token",
        ),
      );
    } else {
      const info = await deps.fs.stat(auth.path).catch(() => null);
      findings.push(
        judgeToken(text, { file: auth.path, mtimeMs: info?.mtimeMs ?? null }, deps.now()),
      );
    }
  }
  let client: KubeClient;
  try {
    client = await deps.makeClient(config);
  } catch (err) {
    findings.push(
      finding(
        "api",
        "fail",
        `no client for ${config.server}: ${messageOf(err)}`,
        "fix the kubeconfig",
      ),
    );
    return { findings, client: null };
  }
  try {
    const version = client.serverVersion
      ? await client.serverVersion({ timeoutMs: deps.timeoutMs })
      : await client.listPods({ limit: 1, timeoutMs: deps.timeoutMs });
    const v = "gitVersion" in version && typeof version.gitVersion === "string"
      ? ` (${version.gitVersion})`
      : "";
    findings.push(finding("api", "pass", `${config.server} answers${v}`));
    return { findings, client };
  } catch (err) {
    const msg = messageOf(err);
    const fix = /\b401\b|Unauthorized/i.test(msg)
      ? "the API rejects the credentials: renew the token or the client certificate"
      : "check the server address, the network path to it and its CA";
    findings.push(finding("api", "fail", `${config.server} does not answer: ${msg}`, fix));
    client.close();
    return { findings, client: null };
  }
}
