/**
 * The daemon's Kubernetes client under `perNodeCertificate`: the bootstrap kubeconfig's
 * server and CA, its credentials only for the CertificateSigningRequest, and the
 * per-node client certificate (renewed in the background) for everything else.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import type { PerNodeCertificate } from "../engine/daemon.ts";
import { createKubeClient, type KubeClient, type KubeRequestInfo } from "../kube/client.ts";
import { createCsrApi } from "../kube/csr_api.ts";
import { loadKubeconfig } from "../kube/kubeconfig.ts";
import { realClock } from "../platform/clock.ts";
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import type { Env } from "../platform/process.ts";
import { PerNodeCertificates } from "./per_node_cert.ts";

/** A PEM certificate's validity, epoch ms. */
export function x509Validity(certPem: string): { notBefore: number; notAfter: number } {
  const cert = new X509Certificate(certPem);
  return { notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}

/** What {@linkcode perNodeClient} needs. */
export interface PerNodeClientOptions {
  settings: PerNodeCertificate;
  nodeName: string;
  fs: Fs;
  exec: Exec;
  env: Env;
  logger: { error(msg: string): void; verbose(msg: string): void };
  onRequest?: (info: KubeRequestInfo) => void;
}

/**
 * Obtains (or reuses) the node's certificate, then returns a client that uses it.
 *
 * @throws {Error} the bootstrap kubeconfig's error, or `certificate was not signed, ...`.
 */
export async function perNodeClient(
  opts: PerNodeClientOptions,
): Promise<{ client: KubeClient; certs: PerNodeCertificates }> {
  const bootstrap = await loadKubeconfig(opts.settings.bootstrapKubeconfig, { fs: opts.fs });
  const deps = {
    fs: opts.fs,
    exec: opts.exec,
    env: opts.env,
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
  };
  const api = createCsrApi(bootstrap, deps);
  const certs = new PerNodeCertificates({
    nodeName: opts.nodeName,
    certDir: opts.settings.certDir,
    durationSeconds: opts.settings.certDurationSeconds ?? 600,
    api,
    fs: opts.fs,
    clock: realClock,
    logger: opts.logger,
    validity: x509Validity,
  });
  await certs.start();
  const { clientCert: _bootstrapCert, ...server } = bootstrap;
  const client = createKubeClient(
    { ...server, origin: `${bootstrap.origin}, per-node certificate`, auth: { kind: "none" } },
    { ...deps, credentials: certs },
  );
  return { client, certs };
}
