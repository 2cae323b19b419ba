/**
 * A throw-away test PKI made with the `openssl` CLI: one CA, a server certificate for
 * `localhost` and `127.0.0.1`, and client certificates whose CN is the Kubernetes user and
 * whose O entries are its groups (as the API server reads them).
 *
 * Every certificate is X.509 v3 (rustls, behind Deno's `fetch`, rejects v1 certificates).
 *
 * @example
 * ```ts
 * const pki = await createTestPki();
 * const multus = await pki.issueClient("system:multus:node1", { groups: ["system:multus"] });
 * // ... pki.ca.certPem, multus.certFile, multus.keyFile ...
 * await pki.cleanup();
 * ```
 * @module
 */

/** A certificate and its private key, as files in the PKI directory and as PEM text. */
export interface CertFiles {
  /** Path of the PEM certificate. */
  readonly certFile: string;
  /** Path of the PEM private key (PKCS#8). */
  readonly keyFile: string;
  /** Path of one file holding the certificate followed by the key (a client cert store). */
  readonly bundleFile: string;
  /** The certificate, PEM. */
  readonly certPem: string;
  /** The private key, PEM. */
  readonly keyPem: string;
}

/** Options of {@linkcode TestPki.issueClient}. */
export interface ClientCertOptions {
  /** Organisation entries, one per Kubernetes group. */
  readonly groups?: readonly string[];
  /** Validity in days (default 30). */
  readonly days?: number;
}

/** A CA, a server certificate and a way to issue client certificates. */
export interface TestPki {
  /** The temporary directory holding every file. */
  readonly dir: string;
  /** The CA; its `certPem` is what clients and the server trust. */
  readonly ca: CertFiles;
  /** The server certificate (SANs: the `serverNames` option). */
  readonly server: CertFiles;
  /** Issues a client certificate signed by the CA, with CN = `commonName`. */
  issueClient(commonName: string, options?: ClientCertOptions): Promise<CertFiles>;
  /**
   * Signs a PEM certificate request with the CA as a client certificate (keeping the
   * request's subject), as the API server's `kube-apiserver-client` signer does; returns
   * the certificate PEM. Throws (openssl's message) when the request does not verify.
   */
  signCsr(csrPem: string, options?: { days?: number }): Promise<string>;
  /** Removes the directory and everything in it. */
  cleanup(): Promise<void>;
}

/** Options of {@linkcode createTestPki}. */
export interface TestPkiOptions {
  /** DNS names and IP addresses for the server certificate (default `localhost`, `127.0.0.1`). */
  readonly serverNames?: readonly string[];
  /** Common name of the CA (default `multus-deno test CA`). */
  readonly caName?: string;
  /** Validity of the CA and server certificates in days (default 30). */
  readonly days?: number;
}

const EXT_LEAF = "basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\n" +
  "authorityKeyIdentifier=keyid\n";

/**
 * Makes a CA and a server certificate in a new temporary directory.
 *
 * Throws if `openssl` is missing or fails (its stderr is in the message).
 */
export async function createTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "multus-deno-pki-" });
  const days = options.days ?? 30;
  let serial = 0x1000 + Math.floor(Math.random() * 0xffff);
  try {
    const ca = await makeCa(dir, options.caName ?? "multus-deno test CA", days);
    const issue = async (name: string, subject: string, ext: string, d: number) => {
      serial += 1;
      return await issueLeaf(dir, { name, subject, ext, days: d, serial });
    };
    const names = options.serverNames ?? ["localhost", "127.0.0.1"];
    const san = names.map((n) => (isIp(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    const server = await issue(
      "server",
      "/CN=" + escapeRdn(names[0] ?? "localhost"),
      `${EXT_LEAF}keyUsage=critical,digitalSignature,keyEncipherment\n` +
        `extendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
      days,
    );
    let clients = 0;
    return {
      dir,
      ca,
      server,
      async issueClient(commonName, opts = {}): Promise<CertFiles> {
        clients += 1;
        const subject = "/CN=" + escapeRdn(commonName) +
          (opts.groups ?? []).map((g) => "/O=" + escapeRdn(g)).join("");
        return await issue(
          `client-${clients}`,
          subject,
          `${EXT_LEAF}keyUsage=critical,digitalSignature,keyEncipherment\n` +
            `extendedKeyUsage=clientAuth\n`,
          opts.days ?? days,
        );
      },
      async signCsr(csrPem, opts = {}): Promise<string> {
        serial += 1;
        const base = `${dir}/csr-${serial}`;
        await Deno.writeTextFile(`${base}.csr`, csrPem);
        await Deno.writeTextFile(
          `${base}.ext`,
          `${EXT_LEAF}keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n`,
        );
        await openssl(["req", "-verify", "-noout", "-in", `${base}.csr`]);
        await openssl([
          "x509",
          "-req",
          "-in",
          `${base}.csr`,
          "-CA",
          `${dir}/ca.crt`,
          "-CAkey",
          `${dir}/ca.key`,
          "-set_serial",
          "0x" + serial.toString(16),
          "-days",
          String(opts.days ?? 1),
          "-extfile",
          `${base}.ext`,
          "-out",
          `${base}.crt`,
        ]);
        return await Deno.readTextFile(`${base}.crt`);
      },
      async cleanup(): Promise<void> {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

async function makeCa(dir: string, name: string, days: number): Promise<CertFiles> {
  const keyFile = `${dir}/ca.key`;
  const certFile = `${dir}/ca.crt`;
  await genKey(keyFile);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    keyFile,
    "-subj",
    "/CN=" + escapeRdn(name),
    "-days",
    String(days),
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    certFile,
  ]);
  return await readPair(dir, { name: "ca", certFile, keyFile });
}

interface LeafSpec {
  readonly name: string;
  readonly subject: string;
  readonly ext: string;
  readonly days: number;
  readonly serial: number;
}

async function issueLeaf(dir: string, spec: LeafSpec): Promise<CertFiles> {
  const keyFile = `${dir}/${spec.name}.key`;
  const certFile = `${dir}/${spec.name}.crt`;
  const csrFile = `${dir}/${spec.name}.csr`;
  const extFile = `${dir}/${spec.name}.ext`;
  await genKey(keyFile);
  await openssl(["req", "-new", "-key", keyFile, "-subj", spec.subject, "-out", csrFile]);
  await Deno.writeTextFile(extFile, spec.ext);
  await openssl([
    "x509",
    "-req",
    "-in",
    csrFile,
    "-CA",
    `${dir}/ca.crt`,
    "-CAkey",
    `${dir}/ca.key`,
    "-set_serial",
    "0x" + spec.serial.toString(16),
    "-days",
    String(spec.days),
    "-extfile",
    extFile,
    "-out",
    certFile,
  ]);
  return await readPair(dir, { name: spec.name, certFile, keyFile });
}

async function readPair(
  dir: string,
  files: { name: string; certFile: string; keyFile: string },
): Promise<CertFiles> {
  const certPem = await Deno.readTextFile(files.certFile);
  const keyPem = await Deno.readTextFile(files.keyFile);
  const bundleFile = `${dir}/${files.name}.pem`;
  await Deno.writeTextFile(bundleFile, certPem + keyPem);
  return { certFile: files.certFile, keyFile: files.keyFile, bundleFile, certPem, keyPem };
}

async function genKey(path: string): Promise<void> {
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    path,
  ]);
}

async function openssl(args: string[]): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" })
      .output();
  } catch (error) {
    throw new Error(`cannot run openssl ${args[0]}: ${String(error)}`, { cause: error });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`openssl ${args[0]} failed with exit code ${output.code}: ${stderr}`);
  }
}

function isIp(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(":");
}

function escapeRdn(value: string): string {
  return value.replace(/[\\/=+]/g, (c) => "\\" + c);
}
