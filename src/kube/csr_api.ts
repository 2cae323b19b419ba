/**
 * The two `certificates.k8s.io/v1` calls a per-node client certificate needs: create a
 * CertificateSigningRequest and read it back until it carries the certificate. Built on
 * the same REST engine as the client, from a (bootstrap) kubeconfig's connection.
 *
 * @module
 */
import { pathSegment } from "./path.ts";
import { createRestEngine, type KubeClientDeps } from "./client.ts";
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
export function createCsrApi(config: KubeConnectionConfig, deps: KubeClientDeps): CsrApi {
  const rest = createRestEngine(config, deps);
  return {
    create: (body) =>
      rest.json<CertificateSigningRequest>({ method: "POST", path: CSR_PATH, body }),
    get: async (name) =>
      await rest.json<CertificateSigningRequest>({
        method: "GET",
        path: `${CSR_PATH}/${pathSegment("resource name", name)}`,
      }),
    close: () => rest.close(),
  };
}
