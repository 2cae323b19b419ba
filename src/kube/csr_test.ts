import { assert, assertEquals } from "../../tests/support/assert.ts";
import { newEcdsaCsr } from "./csr.ts";

async function openssl(args: string[], stdin: string): Promise<{ ok: boolean; out: string }> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const o = await child.output();
  return {
    ok: o.success,
    out: new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr),
  };
}

Deno.test("newEcdsaCsr() makes a request openssl verifies, with the subject and a P-256 key", async () => {
  const { csrPem, keyPem } = await newEcdsaCsr({
    commonName: "system:multus:node-a1",
    organizations: ["system:multus"],
  });
  const verified = await openssl(
    ["req", "-verify", "-noout", "-text", "-nameopt", "RFC2253"],
    csrPem,
  );
  assert(verified.ok, verified.out);
  assert(/verify OK/i.test(verified.out), verified.out);
  assert(verified.out.includes("Subject: CN=system:multus:node-a1,O=system:multus"), verified.out);
  assert(verified.out.includes("ecdsa-with-SHA256"), verified.out);
  assert(/NIST CURVE: P-256|prime256v1/.test(verified.out), verified.out);
  const key = await openssl(["pkey", "-noout", "-text"], keyPem);
  assert(key.ok, key.out);
  // The key in the request is the key returned.
  const fromCsr = await openssl(["req", "-noout", "-pubkey"], csrPem);
  const fromKey = await openssl(["pkey", "-pubout"], keyPem);
  assertEquals(fromCsr.out, fromKey.out);
});

Deno.test("newEcdsaCsr() encodes long names and several organizations", async () => {
  const long = "system:multus:" + "n".repeat(200);
  const { csrPem } = await newEcdsaCsr({ commonName: long, organizations: ["a", "b"] });
  const verified = await openssl(
    ["req", "-verify", "-noout", "-subject", "-nameopt", "RFC2253"],
    csrPem,
  );
  assert(verified.ok, verified.out);
  assert(verified.out.includes(`subject=CN=${long},O=b,O=a`), verified.out);
});
