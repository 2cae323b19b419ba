import { assert, assertEquals, assertRejects } from "../../tests/support/assert.ts";
import { createTestPki, type TestPki } from "../../tests/support/certs.ts";
import type { Clock } from "../platform/clock.ts";
import type { CertificateSigningRequest, CsrApi } from "../kube/csr_api.ts";
import { denoFs } from "../platform/fs.ts";
import { CERT_FILE, PerNodeCertificates, splitStore } from "./per_node_cert.ts";
import { x509Validity } from "./per_node_client.ts";

/** An API double for the two CSR calls: `settle` decides what a GET sees. */
class FakeCsrApi implements CsrApi {
  created: Array<Record<string, unknown>> = [];
  gets = 0;
  settle: (
    body: Record<string, unknown>,
  ) => Promise<NonNullable<CertificateSigningRequest["status"]>> = () => Promise.resolve({});
  create(body: Record<string, unknown>): Promise<CertificateSigningRequest> {
    this.created.push(body);
    return Promise.resolve({ metadata: { name: `csr-${this.created.length}` } });
  }
  async get(name: string): Promise<CertificateSigningRequest> {
    this.gets++;
    const body = this.created[Number(name.slice(4)) - 1]!;
    return { metadata: { name }, status: await this.settle(body) };
  }
  close(): void {}
}

const silent = { error: () => {}, verbose: () => {} };

/**
 * Polls (1 s) return at once and move time forward; a longer sleep (the renewal wait)
 * does too while `longSleeps` allows, else it parks until the manager stops.
 */
class TestClock implements Clock {
  t = Date.now();
  slept: number[] = [];
  longSleeps = 0;
  onPark: () => void = () => {};
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.slept.push(ms);
    if (ms > 1000 && this.longSleeps-- <= 0) {
      this.onPark();
      await new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      return;
    }
    this.t += ms;
    await Promise.resolve();
  }
}

async function withPki(fn: (pki: TestPki, dir: string) => Promise<void>): Promise<void> {
  const pki = await createTestPki();
  const dir = await Deno.makeTempDir({ prefix: "multus-pernode-" });
  try {
    await fn(pki, dir);
  } finally {
    await pki.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Signs the request in `body` with the test CA. */
function signer(pki: TestPki) {
  return async (body: Record<string, unknown>) => {
    const spec = body["spec"] as { request: string };
    return { certificate: btoa(await pki.signCsr(atob(spec.request))) };
  };
}

function manager(
  api: CsrApi,
  certDir: string,
  clock: TestClock,
  extra: Partial<ConstructorParameters<typeof PerNodeCertificates>[0]> = {},
): PerNodeCertificates {
  return new PerNodeCertificates({
    nodeName: "node-7",
    certDir,
    durationSeconds: 600,
    api,
    fs: denoFs,
    clock,
    logger: silent,
    validity: x509Validity,
    ...extra,
  });
}

Deno.test("PerNodeCertificates sends Multus's CSR, waits for the certificate and stores it with its key (0600)", async () => {
  await withPki(async (pki, dir) => {
    const api = new FakeCsrApi();
    let polls = 0;
    const sign = signer(pki);
    api.settle = (body) => ++polls < 3 ? Promise.resolve({}) : sign(body);
    const clock = new TestClock();
    // Keep the renewal loop asleep: its first sleep is long (70-90 % of a day).
    const certs = manager(api, `${dir}/certs`, clock);
    await certs.start();
    assertEquals(api.created.length, 1);
    const spec = api.created[0]!["spec"] as Record<string, unknown>;
    assertEquals(spec["signerName"], "kubernetes.io/kube-apiserver-client");
    assertEquals(spec["usages"], ["digital signature", "client auth"]);
    assertEquals(spec["expirationSeconds"], 600);
    assertEquals((api.created[0]!["metadata"] as Record<string, unknown>)["generateName"], "csr-");
    assertEquals(clock.slept.slice(0, 3), [1000, 1000, 1000], "polled once a second");
    const creds = await certs.get();
    assert(creds.clientCert?.certPem.includes("BEGIN CERTIFICATE"));
    const path = `${dir}/certs/${CERT_FILE}`;
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(splitStore(await Deno.readTextFile(path)), creds.clientCert);
    const subject = new (await import("node:crypto")).X509Certificate(creds.clientCert!.certPem)
      .subject;
    assert(subject.includes("CN=system:multus:node-7"), subject);
    assert(subject.includes("O=system:multus"), subject);
    await certs.stop();
  });
});

Deno.test("PerNodeCertificates reuses a valid stored certificate and replaces an expired one", async () => {
  await withPki(async (pki, dir) => {
    const api = new FakeCsrApi();
    api.settle = signer(pki);
    const first = manager(api, dir, new TestClock());
    await first.start();
    await first.stop();
    const stored = await Deno.readTextFile(`${dir}/${CERT_FILE}`);

    const again = manager(api, dir, new TestClock());
    await again.start();
    assertEquals(api.created.length, 1, "a restart sends no new CSR");
    assertEquals((await again.get()).clientCert, splitStore(stored)!);
    await again.stop();

    const later = new TestClock();
    later.t = first.validity!.notAfter + 1;
    const expired = manager(api, dir, later);
    await expired.start();
    assertEquals(api.created.length, 2, "an expired certificate is replaced");
    await expired.stop();
  });
});

Deno.test("PerNodeCertificates gives up after the wait with Multus's message, or on a denial", async () => {
  await withPki(async (_pki, dir) => {
    const api = new FakeCsrApi();
    const clock = new TestClock();
    await Deno.writeTextFile(`${dir}/${CERT_FILE}`, "garbage");
    await assertRejects(
      () => manager(api, dir, clock).start(),
      Error,
      `certificate was not signed, last cert store err: ${dir}/${CERT_FILE}: failed to find any PEM data err: timed out waiting for the condition`,
    );
    assertEquals(clock.slept.length, 120, "1 s polls for 2 minutes");
    api.settle = () =>
      Promise.resolve({
        conditions: [{ type: "Denied", status: "True", message: "not this node" }],
      });
    await assertRejects(
      () => manager(api, `${dir}/d`, new TestClock()).start(),
      Error,
      "certificate was not signed: CertificateSigningRequest csr-2 is Denied: not this node",
    );
  });
});

Deno.test("PerNodeCertificates renews at 70-90 % of the lifetime and serves the new certificate", async () => {
  await withPki(async (pki, dir) => {
    const api = new FakeCsrApi();
    const issued: string[] = [];
    const sign = signer(pki);
    api.settle = async (body) => {
      const status = await sign(body);
      issued.push(atob(status.certificate));
      return status;
    };
    const clock = new TestClock();
    const t0 = clock.t;
    // Certificates of 1000 s, each issued 800 s after the one before (on the fake clock).
    let n = 0;
    const validity = () => {
      const from = t0 + 800_000 * n++;
      return { notBefore: from, notAfter: from + 1_000_000 };
    };
    clock.longSleeps = 1; // the wait until renewal passes; the one after it parks
    const parked = new Promise<void>((r) => clock.onPark = r);
    const certs = manager(api, dir, clock, { random: () => 0.5, validity });
    await certs.start();
    await parked;
    assertEquals(api.created.length, 2, "one renewal");
    // slept: the first CSR's poll (1 s), the wait until renewal, the renewal's poll, park.
    assertEquals(clock.slept.length, 4, String(clock.slept));
    // random 0.5: 70 % + 0.5 * 20 % = 80 % of the first certificate's 1000 s.
    assertEquals(t0 + clock.slept[0]! + clock.slept[1]!, t0 + 800_000);
    assertEquals(clock.slept[3], 1_600_000 - 801_000, "the next renewal at 80 % of the new one");
    assertEquals((await certs.get()).clientCert!.certPem, issued[1]);
    assert(issued[1] !== issued[0]);
    assertEquals(splitStore(await Deno.readTextFile(`${dir}/${CERT_FILE}`))!.certPem, issued[1]);
    await certs.stop();
  });
});

Deno.test("PerNodeCertificates renews at once after a 401, at most once per retry interval", async () => {
  await withPki(async (pki, dir) => {
    const api = new FakeCsrApi();
    api.settle = signer(pki);
    const clock = new TestClock();
    let parks = 0;
    let parked: () => void = () => {};
    clock.onPark = () => {
      parks++;
      parked();
    };
    const certs = manager(api, dir, clock);
    let next = new Promise<void>((r) => parked = r);
    await certs.start();
    await next; // waiting for the scheduled renewal
    next = new Promise<void>((r) => parked = r);
    assertEquals(certs.invalidate(), false, "the refused request is not retried");
    await next; // renewed, waiting again
    assertEquals(api.created.length, 2, "a second CSR right after the 401");
    assertEquals(parks, 2);
    certs.invalidate(); // within 10 s of the last early renewal: ignored
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(api.created.length, 2);
    await certs.stop();
  });
});
