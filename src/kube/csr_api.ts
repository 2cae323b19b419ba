/**
 * The two `certificates.k8s.io/v1` calls a per-node client certificate needs: create a
 * CertificateSigningRequest and read it back until it carries the certificate. Built on
 * the same REST engine as the client, from a (bootstrap) kubeconfig's connection.
 *
 * @module
 */
import { BUILD_INFO } from "../_build_info.ts";
import { type KubeRequestInfo, RestEngine } from "./_rest.ts";
import { DEFAULT_TIMEOUT_MS, type KubeClientDeps } from "./client.ts";
import { createCredentialSource } from "./credentials.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";

/** The parts of a CertificateSigningRequest the daemon reads. */
export interface CertificateSigningRequest {
  metadata: { name: string; uid?: string };
  status?: {
    /** The issued certificate chain, base64 of PEM. */
    certificate?: string;
    conditions?: Array<{ type: string; status?: string; reason?: string; message?: string }>;
  };
}

/** Create and get. */
export interface CsrApi {
  /** `POST /apis/certificates.k8s.io/v1/certificatesigningrequests`. */
  create(body: Record<string, unknown>): Promise<CertificateSigningRequest>;
  /** `GET /apis/certificates.k8s.io/v1/certificatesigningrequests/{name}`. */
  get(name: string): Promise<CertificateSigningRequest>;
  /** Frees connections. */
  close(): void;
}

const CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

/** The CSR calls over `config` (its own credentials). */
export function createCsrApi(
  config: KubeConnectionConfig,
  deps: KubeClientDeps & { onRequest?: (info: KubeRequestInfo) => void },
): CsrApi {
  const rest = new RestEngine({
    server: config.server,
    tls: config.tls,
    credentials: deps.credentials ?? createCredentialSource(config, deps),
    userAgent: `multus-deno/${BUILD_INFO.version}`,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(deps.transportFactory ? { transportFactory: deps.transportFactory } : {}),
    ...(deps.onRequest ? { onRequest: deps.onRequest } : {}),
  });
  return {
    create: (body) =>
      rest.json<CertificateSigningRequest>({ method: "POST", path: CSR_PATH, body }),
    get: (name) =>
      rest.json<CertificateSigningRequest>({
        method: "GET",
        path: `${CSR_PATH}/${encodeURIComponent(name)}`,
      }),
    close: () => rest.close(),
  };
}
