/**
 * A PKCS#10 certificate signing request for a fresh ECDSA P-256 key, as client-go's
 * certificate manager sends for a per-node client certificate. The key is made and the
 * request signed with WebCrypto; the DER is assembled here (the request is a handful of
 * fixed structures).
 *
 * @module
 */

/** Who the certificate is for. */
export interface CsrSubject {
  /** `CN`, e.g. `system:multus:node1`. */
  commonName: string;
  /** `O` values, e.g. `["system:multus"]`. */
  organizations: string[];
}

/** A request and its key, both PEM. */
export interface NewCsr {
  /** `CERTIFICATE REQUEST`. */
  csrPem: string;
  /** The private key, `PRIVATE KEY` (PKCS#8). */
  keyPem: string;
}

const encoder = new TextEncoder();

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const head = [tag, ...lengthBytes(size)];
  const out = new Uint8Array(head.length + size);
  out.set(head);
  let off = head.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const sequence = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => tlv(0x30, ...parts);
const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, ...parts);

function oid(dotted: string): Uint8Array {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift((v & 0x7f) | 0x80);
    }
    bytes.push(...groups);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

/** A DER INTEGER from unsigned big-endian bytes. */
function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = bytes.subarray(i);
  return (body[0]! & 0x80) ? tlv(0x02, new Uint8Array([0]), body) : tlv(0x02, body);
}

const OID_CN = "2.5.4.3";
const OID_O = "2.5.4.10";
const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";

/** The subject as Go's `pkix.Name` orders it: O before CN. */
function name(subject: CsrSubject): Uint8Array {
  const rdn = (type: string, value: string): Uint8Array =>
    set(sequence(oid(type), tlv(0x0c, encoder.encode(value))));
  return sequence(
    ...subject.organizations.map((o) => rdn(OID_O, o)),
    rdn(OID_CN, subject.commonName),
  );
}

function pem(label: string, der: Uint8Array): string {
  let bin = "";
  for (const b of der) bin += String.fromCharCode(b);
  const b64 = btoa(bin);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * A new P-256 key and a request for `subject`, signed with it (ecdsa-with-SHA256).
 *
 * @example Usage
 * ```ts
 * import { newEcdsaCsr } from "./csr.ts";
 * const { csrPem } = await newEcdsaCsr({ commonName: "system:multus:n1", organizations: ["system:multus"] });
 * console.assert(csrPem.startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
 * ```
 */
export async function newEcdsaCsr(subject: CsrSubject): Promise<NewCsr> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  // CertificationRequestInfo: version 0, subject, the key, no attributes ([0] empty).
  const info = sequence(
    tlv(0x02, new Uint8Array([0])),
    name(subject),
    spki,
    tlv(0xa0),
  );
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, info),
  );
  // WebCrypto gives r || s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }.
  const signature = sequence(
    unsignedInteger(raw.subarray(0, 32)),
    unsignedInteger(raw.subarray(32)),
  );
  const csr = sequence(
    info,
    sequence(oid(OID_ECDSA_SHA256)),
    tlv(0x03, new Uint8Array([0]), signature),
  );
  return { csrPem: pem("CERTIFICATE REQUEST", csr), keyPem: pem("PRIVATE KEY", pkcs8) };
}
