/**
 * Per-request credentials: the `Authorization` header and the TLS client certificate,
 * from a static token, a token file (re-read when its mtime or size changes - bound
 * service-account tokens rotate - and never re-read while unchanged), basic auth, an
 * exec plugin, or client-certificate files (also re-read when they change).
 *
 * @module
 */
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import type { Env } from "../platform/process.ts";
import type { PemSource } from "./_config.ts";
import { ExecCredentialProvider } from "./exec_credential.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";

/** What one request is sent with. */
export interface RequestCredentials {
  /** The `Authorization` header value. */
  authorization?: string;
  /** The mTLS client certificate and key (PEM). */
  clientCert?: { certPem: string; keyPem: string };
}

/** Supplies credentials for each request. */
export interface CredentialSource {
  /** For messages, never the secret: `token file /path`, `exec plugin aws`, ... */
  readonly description: string;
  /** The credentials for the next request. */
  get(): Promise<RequestCredentials>;
  /**
   * Called after a 401: drops cached credentials. True when fetching them again may give
   * different ones (so the request is worth one retry).
   */
  invalidate(): boolean;
}

/** Effects of {@linkcode createCredentialSource}. */
export interface CredentialDeps {
  fs: Pick<Fs, "readText" | "stat">;
  exec: Exec;
  env: Pick<Env, "toObject">;
  /** Epoch ms (exec credential expiry). */
  now?: () => number;
}

/** A file read once and again only when its mtime or size changes. */
export class WatchedFile {
  readonly path: string;
  readonly #fs: Pick<Fs, "readText" | "stat">;
  #stamp: string | undefined;
  #text: string | undefined;

  /** Watches `path`. */
  constructor(path: string, fs: Pick<Fs, "readText" | "stat">) {
    this.path = path;
    this.#fs = fs;
  }

  /**
   * The file's text: re-read when the file changed since the last read; the last good
   * text when it has become unreadable; an Error when it never could be read.
   */
  async read(): Promise<string> {
    let stamp: string | undefined;
    try {
      const info = await this.#fs.stat(this.path);
      stamp = info ? `${info.mtimeMs}:${info.size}` : undefined;
    } catch {
      stamp = undefined;
    }
    if (stamp !== undefined && stamp === this.#stamp && this.#text !== undefined) return this.#text;
    if (stamp === undefined) {
      if (this.#text !== undefined) return this.#text;
      throw new Error(`open ${this.path}: no such file or directory`);
    }
    let text: string | null;
    try {
      text = await this.#fs.readText(this.path);
    } catch (err) {
      if (this.#text !== undefined) return this.#text;
      throw new Error(`open ${this.path}: ${(err as Error).message}`);
    }
    if (text === null) {
      if (this.#text !== undefined) return this.#text;
      throw new Error(`open ${this.path}: no such file or directory`);
    }
    this.#stamp = stamp;
    this.#text = text;
    return text;
  }

  /** Makes the next {@linkcode read} read the file even if it looks unchanged. */
  forget(): void {
    this.#stamp = undefined;
  }
}

function pemReader(src: PemSource, fs: CredentialDeps["fs"]): () => Promise<string> {
  if ("pem" in src) return () => Promise.resolve(src.pem);
  const file = new WatchedFile(src.file, fs);
  return () => file.read();
}

function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

/**
 * The credential source for `config`. `authProvider` users are not handled here (see
 * `exotic.ts`); asking for one throws.
 */
export function createCredentialSource(
  config: KubeConnectionConfig,
  deps: CredentialDeps,
): CredentialSource {
  const cert = config.clientCert
    ? {
      cert: pemReader(config.clientCert.cert, deps.fs),
      key: pemReader(config.clientCert.key, deps.fs),
    }
    : undefined;
  const withCert = async (out: RequestCredentials): Promise<RequestCredentials> => {
    if (cert && !out.clientCert) {
      out.clientCert = { certPem: await cert.cert(), keyPem: await cert.key() };
    }
    return out;
  };
  const certDescription = config.clientCert
    ? `client certificate ${
      "file" in config.clientCert.cert ? config.clientCert.cert.file : "(inline data)"
    }`
    : "no credentials";
  const auth = config.auth;
  switch (auth.kind) {
    case "none":
      return {
        description: `${certDescription} of the ${config.origin}`,
        get: () => withCert({}),
        invalidate: () => false,
      };
    case "token":
      return {
        description: `the bearer token of the ${config.origin}`,
        get: () => withCert({ authorization: `Bearer ${auth.token}` }),
        invalidate: () => false,
      };
    case "basic":
      return {
        description: `the username/password of the ${config.origin}`,
        get: () => withCert({ authorization: basic(auth.username, auth.password) }),
        invalidate: () => false,
      };
    case "tokenFile": {
      const file = new WatchedFile(auth.path, deps.fs);
      return {
        description: `token file ${auth.path}`,
        async get(): Promise<RequestCredentials> {
          let token: string;
          try {
            token = (await file.read()).trim();
          } catch (err) {
            if (auth.fallback) return withCert({ authorization: `Bearer ${auth.fallback}` });
            throw new Error(`unable to read the bearer token: ${(err as Error).message}`);
          }
          if (token === "") {
            if (auth.fallback) return withCert({ authorization: `Bearer ${auth.fallback}` });
            throw new Error(`read empty token from file "${auth.path}"`);
          }
          return withCert({ authorization: `Bearer ${token}` });
        },
        invalidate(): boolean {
          file.forget();
          return true;
        },
      };
    }
    case "exec": {
      const provider = new ExecCredentialProvider(auth.exec, {
        ...deps,
        cluster: { server: config.server, tls: config.tls },
      });
      return {
        description: provider.description,
        async get(): Promise<RequestCredentials> {
          const cred = await provider.get();
          const out: RequestCredentials = {};
          if (cred.token) out.authorization = `Bearer ${cred.token}`;
          if (cred.clientCert) out.clientCert = cred.clientCert;
          return withCert(out);
        },
        invalidate(): boolean {
          provider.invalidate();
          return true;
        },
      };
    }
    case "authProvider":
      throw new Error(
        `auth-provider "${auth.name}" is handled by @kubernetes/client-node (the exotic path), not the lean client`,
      );
  }
}
