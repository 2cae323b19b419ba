/**
 * `perNodeCertificate`: the daemon's API identity as a client certificate of its own
 * node (`CN=system:multus:<node>`, `O=system:multus`), as Multus's `PerNodeK8sClient`
 * gets it through client-go's certificate manager. With the bootstrap kubeconfig's
 * credentials it sends a CertificateSigningRequest (signer
 * `kubernetes.io/kube-apiserver-client`, usages digital signature and client auth, the
 * configured lifetime), waits up to 2 minutes (1 s polls) for the certificate, and keeps
 * it with its key in `<certDir>/multus-client-current.pem` (0600), which a restart
 * reuses while it is valid. It renews in the background when 70-90 % of the lifetime has
 * passed; every API request takes the current certificate (it is the client's
 * credential source), so informers move to a renewed one without a restart.
 *
 * @module
 */
import type { Clock } from "../platform/clock.ts";
import type { Fs } from "../platform/fs.ts";
import type { CredentialSource, RequestCredentials } from "../kube/credentials.ts";
import { newEcdsaCsr } from "../kube/csr.ts";
import type { CertificateSigningRequest, CsrApi } from "../kube/csr_api.ts";

/** The store file, as client-go names it for the `multus-client` pair. */
export const CERT_FILE = "multus-client-current.pem";

/** A certificate with its key and validity (epoch ms). */
interface Held {
  certPem: string;
  keyPem: string;
  notBefore: number;
  notAfter: number;
}

/** What the manager needs. */
export interface PerNodeCertOptions {
  nodeName: string;
  certDir: string;
  /** The requested lifetime (`certDuration`), seconds. */
  durationSeconds: number;
  /** CSR calls with the bootstrap credentials. */
  api: CsrApi;
  fs: Pick<Fs, "readText" | "writeAtomic" | "mkdirp">;
  clock: Clock;
  logger: { error(msg: string): void; verbose(msg: string): void };
  /** Validity of a PEM certificate, epoch ms. */
  validity(certPem: string): { notBefore: number; notAfter: number };
  /** Between polls of the CSR (default 1 s). */
  pollMs?: number;
  /** How long to wait for the certificate (default 2 min). */
  waitMs?: number;
  /** Between renewal attempts after a failure (default 10 s). */
  retryMs?: number;
  /** [0, 1) for the renewal jitter. */
  random?: () => number;
}

/** Splits a store file into its certificates and its key. */
export function splitStore(text: string): { certPem: string; keyPem: string } | null {
  const blocks = text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g) ?? [];
  const certs = blocks.filter((b) => b.startsWith("-----BEGIN CERTIFICATE-----"));
  const key = blocks.find((b) => /^-----BEGIN (EC |RSA )?PRIVATE KEY-----/.test(b));
  if (certs.length === 0 || !key) return null;
  const nl = (b: string) => b.endsWith("\n") ? b : `${b}\n`;
  return { certPem: certs.map(nl).join(""), keyPem: nl(key) };
}

/** The per-node certificate, as the daemon client's credential source. */
export class PerNodeCertificates implements CredentialSource {
  readonly description: string;
  readonly #o: PerNodeCertOptions;
  #current: Held | null = null;
  readonly #stop = new AbortController();
  /** Aborted to end the renewal wait early (see {@linkcode invalidate}). */
  #wake = new AbortController();
  #lastEarly = -Infinity;
  #loop: Promise<void> | null = null;

  /** A manager for `opts.nodeName`; call {@linkcode start} before the first request. */
  constructor(opts: PerNodeCertOptions) {
    this.#o = opts;
    this.description = `per-node client certificate ${this.path}`;
  }

  /** The store file. */
  get path(): string {
    return `${this.#o.certDir}/${CERT_FILE}`;
  }

  /** The certificate's validity, for logs and tests (null before {@linkcode start}). */
  get validity(): { notBefore: number; notAfter: number } | null {
    return this.#current
      ? { notBefore: this.#current.notBefore, notAfter: this.#current.notAfter }
      : null;
  }

  /**
   * Loads a valid stored certificate or obtains one, then starts renewing in the
   * background.
   *
   * @throws {Error} `certificate was not signed, last cert store err: ... err: ...`
   *   (Multus's message) when no certificate came within the wait, or the CSR's denial.
   */
  async start(): Promise<void> {
    let storeErr = "<nil>";
    try {
      const stored = await this.#load();
      if (stored && stored.notAfter > this.#o.clock.now()) {
        this.#current = stored;
        this.#o.logger.verbose(
          `perNodeCertificate: using ${this.path}, valid until ${
            new Date(stored.notAfter).toISOString()
          }`,
        );
      } else {
        storeErr = stored ? `the certificate in ${this.path} has expired` : `no ${this.path}`;
      }
    } catch (err) {
      storeErr = (err as Error).message;
    }
    if (!this.#current) this.#current = await this.#obtain(storeErr);
    this.#loop = this.#renewLoop();
  }

  /** Stops renewing. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /** The current certificate and key. */
  get(): Promise<RequestCredentials> {
    const c = this.#current;
    if (!c) return Promise.reject(new Error("perNodeCertificate: no client certificate yet"));
    return Promise.resolve({ clientCert: { certPem: c.certPem, keyPem: c.keyPem } });
  }

  /**
   * After a 401 the API server no longer takes the certificate (a rotated CA, a revoked
   * identity): renew now instead of at the scheduled time, at most once per `retryMs`.
   * The failed request is not retried (false): the renewal takes a CSR round trip.
   */
  invalidate(): boolean {
    const o = this.#o;
    if (this.#current && o.clock.now() - this.#lastEarly >= (o.retryMs ?? 10_000)) {
      this.#lastEarly = o.clock.now();
      o.logger.error(
        "perNodeCertificate: the API server refused the client certificate (401); renewing it now",
      );
      this.#wake.abort();
    }
    return false;
  }

  async #load(): Promise<Held | null> {
    const text = await this.#o.fs.readText(this.path);
    if (text === null) return null;
    const parts = splitStore(text);
    if (!parts) throw new Error(`${this.path}: failed to find any PEM data`);
    return { ...parts, ...this.#o.validity(parts.certPem) };
  }

  async #obtain(storeErr: string): Promise<Held> {
    const o = this.#o;
    const { csrPem, keyPem } = await newEcdsaCsr({
      commonName: `system:multus:${o.nodeName}`,
      organizations: ["system:multus"],
    });
    const created = await o.api.create({
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { generateName: "csr-" },
      spec: {
        request: btoa(csrPem),
        signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["digital signature", "client auth"],
        expirationSeconds: Math.round(o.durationSeconds),
      },
    });
    const name = created.metadata.name;
    o.logger.verbose(`perNodeCertificate: sent CertificateSigningRequest ${name}`);
    const deadline = o.clock.now() + (o.waitMs ?? 120_000);
    let csr: CertificateSigningRequest = created;
    let lastErr = "";
    for (;;) {
      const refused = csr.status?.conditions?.find((c) =>
        (c.type === "Denied" || c.type === "Failed") && c.status !== "False"
      );
      if (refused) {
        throw new Error(
          `certificate was not signed: CertificateSigningRequest ${name} is ${refused.type}${
            refused.message ? `: ${refused.message}` : ""
          }`,
        );
      }
      if (csr.status?.certificate) break;
      if (o.clock.now() >= deadline) {
        throw new Error(
          `certificate was not signed, last cert store err: ${storeErr} err: ${
            lastErr || "timed out waiting for the condition"
          }`,
        );
      }
      await o.clock.sleep(o.pollMs ?? 1000, this.#stop.signal);
      if (this.#stop.signal.aborted) throw new Error("perNodeCertificate: stopped");
      try {
        csr = await o.api.get(name);
        lastErr = "";
      } catch (err) {
        lastErr = (err as Error).message;
      }
    }
    const certPem = atob(csr.status?.certificate ?? "");
    const held: Held = { certPem, keyPem, ...o.validity(certPem) };
    await o.fs.mkdirp(o.certDir, 0o700);
    await o.fs.writeAtomic(this.path, `${certPem.trimEnd()}\n${keyPem}`, { mode: 0o600 });
    o.logger.verbose(
      `perNodeCertificate: ${this.path} written, valid until ${
        new Date(held.notAfter).toISOString()
      }`,
    );
    return held;
  }

  async #renewLoop(): Promise<void> {
    const o = this.#o;
    const signal = this.#stop.signal;
    while (!signal.aborted && this.#current) {
      const { notBefore, notAfter } = this.#current;
      const fraction = 0.7 + 0.2 * (o.random ?? Math.random)();
      const at = notBefore + (notAfter - notBefore) * fraction;
      this.#wake = new AbortController();
      const wait = AbortSignal.any([signal, this.#wake.signal]);
      await o.clock.sleep(Math.max(0, at - o.clock.now()), wait);
      while (!signal.aborted) {
        try {
          this.#current = await this.#obtain("<nil>");
          break;
        } catch (err) {
          if (signal.aborted) return;
          o.logger.error(
            `perNodeCertificate: renewing the client certificate: ${(err as Error).message}`,
          );
          await o.clock.sleep(o.retryMs ?? 10_000, signal);
        }
      }
    }
  }
}
