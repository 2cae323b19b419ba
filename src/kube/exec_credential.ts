/**
 * Exec credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`), as client-go
 * runs them: the command with `KUBERNETES_EXEC_INFO` set, never interactive, its stdout
 * an `ExecCredential` whose `status` holds a bearer token or a client certificate and key.
 * The credential is cached until `status.expirationTimestamp` and dropped after a 401.
 *
 * Errors name the command and the reason, never the credential: a decoding error does not
 * quote the plugin's stdout, and its stderr is redacted.
 *
 * @module
 */
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import { redact } from "../platform/log.ts";
import type { Env } from "../platform/process.ts";
import type { ExecConfig, ServerTls } from "./_config.ts";

/** What a plugin returned, decoded. */
export interface ExecCredentialResult {
  token?: string;
  clientCert?: { certPem: string; keyPem: string };
  /** Epoch ms after which the credential must be fetched again. */
  expiresAt?: number;
}

/** The cluster a plugin learns about with `provideClusterInfo: true`. */
export interface ExecClusterInfo {
  server: string;
  tls: ServerTls;
}

/** Effects of an {@linkcode ExecCredentialProvider}. */
export interface ExecCredentialDeps {
  exec: Exec;
  /** The process environment the plugin inherits (plus the stanza's `env`). */
  env: Pick<Env, "toObject">;
  fs: Pick<Fs, "stat">;
  /** Epoch ms (default `Date.now`). */
  now?: () => number;
  /** Kill the plugin after this long (default 30 s). */
  timeoutMs?: number;
}

const SUPPORTED = new Set([
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
]);

/** The `KUBERNETES_EXEC_INFO` value for `exec`. */
export function execInfo(exec: ExecConfig, cluster?: ExecClusterInfo): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo && cluster) {
    const c: Record<string, unknown> = { server: cluster.server };
    if (cluster.tls.serverName) c["tls-server-name"] = cluster.tls.serverName;
    if (cluster.tls.insecureSkipVerify) c["insecure-skip-tls-verify"] = true;
    if (cluster.tls.caPems?.length) {
      const bytes = new TextEncoder().encode(cluster.tls.caPems.join("\n"));
      c["certificate-authority-data"] = btoa(String.fromCharCode(...bytes));
    }
    spec["cluster"] = c;
  }
  return JSON.stringify({ kind: "ExecCredential", apiVersion: exec.apiVersion, spec });
}

/**
 * Decodes a plugin's stdout. Throws an Error whose message is the reason (never the
 * stdout itself).
 */
export function parseExecCredential(stdout: string, apiVersion: string): ExecCredentialResult {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error("decoding stdout: the plugin did not print a JSON ExecCredential");
  }
  const obj = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  if (obj["kind"] !== "ExecCredential") {
    throw new Error(
      `decoding stdout: expected kind ExecCredential, got ${JSON.stringify(obj["kind"] ?? "")}`,
    );
  }
  if (obj["apiVersion"] !== apiVersion) {
    throw new Error(
      `exec plugin is configured to use API version ${apiVersion}, plugin returned version ${
        String(obj["apiVersion"] ?? "")
      }`,
    );
  }
  const status = obj["status"];
  if (typeof status !== "object" || status === null) {
    throw new Error("exec plugin didn't return a status field");
  }
  const s = status as Record<string, unknown>;
  const token = typeof s["token"] === "string" ? s["token"] : "";
  const cert = typeof s["clientCertificateData"] === "string" ? s["clientCertificateData"] : "";
  const key = typeof s["clientKeyData"] === "string" ? s["clientKeyData"] : "";
  if (token === "" && cert === "" && key === "") {
    throw new Error("exec plugin didn't return a token or cert/key pair");
  }
  if ((cert === "") !== (key === "")) {
    throw new Error("exec plugin returned only certFile or keyFile, but not both");
  }
  const out: ExecCredentialResult = {};
  if (token !== "") out.token = token;
  if (cert !== "") out.clientCert = { certPem: cert, keyPem: key };
  if (typeof s["expirationTimestamp"] === "string") {
    const at = Date.parse(s["expirationTimestamp"]);
    if (Number.isNaN(at)) {
      throw new Error(
        `exec plugin returned an invalid expirationTimestamp ${
          JSON.stringify(s["expirationTimestamp"])
        }`,
      );
    }
    out.expiresAt = at;
  }
  return out;
}

/** Runs one exec plugin and caches what it returns. */
export class ExecCredentialProvider {
  readonly #config: ExecConfig;
  readonly #cluster: ExecClusterInfo | undefined;
  readonly #deps: ExecCredentialDeps;
  #cached: ExecCredentialResult | undefined;
  #pending: Promise<ExecCredentialResult> | undefined;

  /** A provider for `config`; `cluster` is sent when `provideClusterInfo` is set. */
  constructor(config: ExecConfig, deps: ExecCredentialDeps & { cluster?: ExecClusterInfo }) {
    this.#config = config;
    this.#cluster = deps.cluster;
    this.#deps = deps;
  }

  /** For messages: `exec plugin <command>`. */
  get description(): string {
    return `exec plugin ${this.#config.command}`;
  }

  /** The cached credential, or a fresh one when there is none or it has expired. */
  get(): Promise<ExecCredentialResult> {
    const now = (this.#deps.now ?? Date.now)();
    const c = this.#cached;
    if (c && (c.expiresAt === undefined || now <= c.expiresAt)) return Promise.resolve(c);
    this.#pending ??= this.#run().then((r) => {
      this.#cached = r;
      return r;
    }).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the cached credential (after a 401), so the next {@linkcode get} runs the plugin. */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #run(): Promise<ExecCredentialResult> {
    const cfg = this.#config;
    const fail = (reason: string): never => {
      throw new Error(`getting credentials: exec: ${reason}`);
    };
    if (!SUPPORTED.has(cfg.apiVersion)) {
      fail(`exec plugin ${cfg.command}: invalid apiVersion "${cfg.apiVersion}"`);
    }
    if (cfg.interactiveMode === "Always") {
      fail(
        `exec plugin ${cfg.command} requires interactive mode (interactiveMode: Always), which is not available here`,
      );
    }
    const env = this.#deps.env.toObject();
    const path = await this.#findCommand(cfg.command, env["PATH"] ?? "");
    if (path === undefined) {
      fail(`executable ${cfg.command} not found${cfg.installHint ? `\n\n${cfg.installHint}` : ""}`);
    }
    for (const e of cfg.env) env[e.name] = e.value;
    env["KUBERNETES_EXEC_INFO"] = execInfo(cfg, this.#cluster);
    let out;
    try {
      out = await this.#deps.exec.run({
        path: path!,
        args: cfg.args,
        env,
        timeoutMs: this.#deps.timeoutMs ?? 30_000,
      });
    } catch (err) {
      return fail(`executable ${cfg.command} could not be started: ${(err as Error).message}`);
    }
    if (out.timedOut) {
      fail(`executable ${cfg.command} did not finish within ${this.#deps.timeoutMs ?? 30_000} ms`);
    }
    if (out.code !== 0) {
      const stderr = redact(out.stderr.trim()).split("\n")[0]?.slice(0, 300) ?? "";
      fail(
        `executable ${cfg.command} failed with ${
          out.code === null ? `signal ${out.signal}` : `exit code ${out.code}`
        }${stderr ? `: ${stderr}` : ""}`,
      );
    }
    try {
      return parseExecCredential(out.stdout, cfg.apiVersion);
    } catch (err) {
      return fail(`executable ${cfg.command}: ${(err as Error).message}`);
    }
  }

  async #findCommand(command: string, pathVar: string): Promise<string | undefined> {
    const isFile = async (p: string): Promise<boolean> => {
      try {
        return (await this.#deps.fs.stat(p))?.isFile === true;
      } catch {
        return false;
      }
    };
    if (command.includes("/")) return (await isFile(command)) ? command : undefined;
    for (const dir of pathVar.split(":")) {
      if (dir === "") continue;
      const candidate = `${dir.replace(/\/+$/, "")}/${command}`;
      if (await isFile(candidate)) return candidate;
    }
    return undefined;
  }
}
