/**
 * In-cluster configuration, as client-go's `rest.InClusterConfig`: the API server from
 * `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`, the bound service-account token
 * (re-read when it rotates), the cluster CA and the pod's namespace from the
 * service-account directory.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { Fs } from "../platform/fs.ts";
import type { Env } from "../platform/process.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";

/** Where pods see their service account. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Effects and settings of {@linkcode loadInClusterConfig}. */
export interface InClusterDeps {
  env: Pick<Env, "get">;
  fs: Pick<Fs, "readText" | "stat">;
  /** The service-account directory (default {@linkcode SERVICE_ACCOUNT_DIR}). */
  serviceAccountDir?: string;
}

/** Whether both service env vars are set (Multus's test for in-cluster mode). */
export function inClusterEnvSet(env: Pick<Env, "get">): boolean {
  return Boolean(env.get("KUBERNETES_SERVICE_HOST")) && Boolean(env.get("KUBERNETES_SERVICE_PORT"));
}

/**
 * Builds the in-cluster config. Throws a {@linkcode CniError}
 * `GetK8sClient: failed to get in-cluster config: <reason>` when the env vars or the token
 * are missing. A missing or unreadable CA is a warning (client-go logs it and goes on).
 */
export async function loadInClusterConfig(deps: InClusterDeps): Promise<KubeConnectionConfig> {
  const dir = (deps.serviceAccountDir ?? SERVICE_ACCOUNT_DIR).replace(/\/+$/, "");
  const fail = (reason: string): never => {
    throw new CniError(
      CniCode.Internal,
      `GetK8sClient: failed to get in-cluster config: ${reason}`,
    );
  };
  const host = deps.env.get("KUBERNETES_SERVICE_HOST") ?? "";
  const port = deps.env.get("KUBERNETES_SERVICE_PORT") ?? "";
  if (host === "" || port === "") {
    fail(
      "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined",
    );
  }
  const tokenFile = `${dir}/token`;
  let tokenInfo;
  try {
    tokenInfo = await deps.fs.stat(tokenFile);
  } catch (err) {
    fail(`open ${tokenFile}: ${(err as Error).message}`);
  }
  if (!tokenInfo) fail(`open ${tokenFile}: no such file or directory`);
  const warnings: string[] = [];
  const config: KubeConnectionConfig = {
    origin: "in-cluster config",
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    tls: { insecureSkipVerify: false },
    auth: { kind: "tokenFile", path: tokenFile },
    warnings,
  };
  const caFile = `${dir}/ca.crt`;
  try {
    const ca = await deps.fs.readText(caFile);
    if (ca === null || !ca.includes("-----BEGIN CERTIFICATE-----")) {
      warnings.push(
        `Expected to load root CA config from ${caFile}, but got err: ${
          ca === null
            ? `open ${caFile}: no such file or directory`
            : "data does not contain any valid RSA or ECDSA certificates"
        }`,
      );
    } else {
      config.tls.caPems = [ca];
    }
  } catch (err) {
    warnings.push(
      `Expected to load root CA config from ${caFile}, but got err: ${(err as Error).message}`,
    );
  }
  try {
    const ns = (await deps.fs.readText(`${dir}/namespace`))?.trim();
    if (ns) config.namespace = ns;
  } catch {
    // the namespace file is optional
  }
  return config;
}
