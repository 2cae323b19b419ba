/**
 * Connection-config pieces shared by the kubeconfig and in-cluster loaders (folder-private).
 *
 * @module
 */
import type { Fs } from "../platform/fs.ts";

/** PEM text given inline, or a file read (and re-read when it changes) at request time. */
export type PemSource = { pem: string } | { file: string };

/** How the server certificate is verified. */
export interface ServerTls {
  /** CA certificates (PEM); the system roots when absent. */
  caPems?: string[];
  /** `insecure-skip-tls-verify`. */
  insecureSkipVerify: boolean;
  /** `tls-server-name`. */
  serverName?: string;
}

/** An exec credential plugin stanza, validated, its command path resolved. */
export interface ExecConfig {
  apiVersion: string;
  /** An absolute path, or a bare name to find on PATH. */
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  interactiveMode: string;
  provideClusterInfo: boolean;
  installHint?: string;
}

/** How a user authenticates. */
export type UserAuth =
  | { kind: "none" }
  | { kind: "token"; token: string }
  /** Bound service-account tokens rotate: re-read when the file changes. */
  | { kind: "tokenFile"; path: string; fallback?: string }
  | { kind: "basic"; username: string; password: string }
  | { kind: "exec"; exec: ExecConfig }
  /** oidc, gcp, azure: only `@kubernetes/client-node` (the exotic path) handles these. */
  | { kind: "authProvider"; name: string; config: Record<string, unknown> };

/** Reads a PEM file; throws `unable to read <what> due to <reason>`. */
export async function readPemFile(
  fs: Pick<Fs, "readText">,
  file: string,
  what: string,
): Promise<string> {
  let text: string | null;
  try {
    text = await fs.readText(file);
  } catch (err) {
    throw new Error(`unable to read ${what} due to open ${file}: ${(err as Error).message}`);
  }
  if (text === null) {
    throw new Error(`unable to read ${what} due to open ${file}: no such file or directory`);
  }
  return text;
}
