import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { join } from "node:path";
import { denoFs } from "../platform/fs.ts";
import { InstallError } from "./install.ts";
import { writeThinConf, writeThinKubeconfig } from "./thin.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
const POD_ENV = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

async function withDirs(
  fn: (d: { root: string; sa: string; conf: string; auto: string }) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "multus-install-thin-" });
  const d = { root, sa: join(root, "sa"), conf: join(root, "net.d"), auto: join(root, "auto") };
  for (const dir of [d.sa, d.conf, d.auto]) await Deno.mkdir(dir);
  try {
    await fn(d);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("writeThinKubeconfig() writes thin_entrypoint's kubeconfig (JSON, 0600) from the service account", async () => {
  await withDirs(async ({ sa, conf }) => {
    await Deno.writeTextFile(join(sa, "token"), "sa-token-1\n");
    await Deno.writeTextFile(join(sa, "ca.crt"), CA);
    const path = await writeThinKubeconfig(
      { confDir: conf, env: POD_ENV, serviceAccountDir: sa },
      { fs: denoFs },
    );
    assertEquals(path, join(conf, "multus.d/multus.kubeconfig"));
    assertEquals((await Deno.stat(path!)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(join(conf, "multus.d"))).mode! & 0o777, 0o700);
    const doc = JSON.parse(await Deno.readTextFile(path!));
    assertEquals(doc["current-context"], "multus-context");
    assertEquals(doc.clusters, [{
      name: "local",
      cluster: { server: "https://10.96.0.1:443", "certificate-authority-data": btoa(CA) },
    }]);
    assertEquals(doc.users, [{ name: "multus", user: { token: "sa-token-1" } }]);
    assertEquals(doc.contexts, [{
      name: "multus-context",
      context: { cluster: "local", user: "multus" },
    }]);
  });
});

Deno.test("writeThinKubeconfig() writes nothing outside a pod, and skips ca.crt with skipTlsVerify", async () => {
  await withDirs(async ({ sa, conf }) => {
    assertEquals(
      await writeThinKubeconfig({ confDir: conf, env: {}, serviceAccountDir: sa }, { fs: denoFs }),
      null,
    );
    assertEquals(await Array.fromAsync(Deno.readDir(conf)), []);
    await Deno.writeTextFile(join(sa, "token"), "t");
    const path = await writeThinKubeconfig(
      { confDir: conf, env: POD_ENV, serviceAccountDir: sa, skipTlsVerify: true },
      { fs: denoFs },
    );
    const cluster = JSON.parse(await Deno.readTextFile(path!)).clusters[0].cluster;
    assertEquals(cluster, { server: "https://10.96.0.1:443", "insecure-skip-tls-verify": true });
  });
});

Deno.test("writeThinKubeconfig() names the missing service-account file and never prints the token", async () => {
  await withDirs(async ({ sa, conf }) => {
    await rejects(
      writeThinKubeconfig({ confDir: conf, env: POD_ENV, serviceAccountDir: sa }, { fs: denoFs }),
      (e: unknown) =>
        e instanceof InstallError &&
        e.message ===
          `failed to create multus kubeconfig: ${sa}/token does not exist (is the service account token mounted?)`,
    );
    await Deno.writeTextFile(join(sa, "token"), "very-secret-token");
    await Deno.writeTextFile(join(sa, "ca.crt"), "not a certificate");
    await rejects(
      writeThinKubeconfig({ confDir: conf, env: POD_ENV, serviceAccountDir: sa }, { fs: denoFs }),
      (e: unknown) => {
        assert(e instanceof InstallError);
        assert(e.message.includes("ca.crt holds no PEM certificate"), e.message);
        assert(!e.message.includes("very-secret-token"), e.message);
        return true;
      },
    );
    assertEquals(await Array.fromAsync(Deno.readDir(conf)), [], "nothing written on failure");
  });
});

Deno.test("writeThinConf() generates from the first primary, skipping 00-multus*, and removes the other kind", async () => {
  await withDirs(async ({ conf, auto }) => {
    const primary = { cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge" }] };
    await Deno.writeTextFile(join(auto, "00-multus.conf"), "{}");
    await Deno.writeTextFile(
      join(auto, "20-b.conflist"),
      JSON.stringify({ ...primary, name: "b" }),
    );
    await Deno.writeTextFile(join(auto, "10-a.conflist"), JSON.stringify(primary));
    await Deno.writeTextFile(join(conf, "00-multus.conf"), '{"stale":true}');
    const lines: string[] = [];
    const path = await writeThinConf({
      confDir: conf,
      autoconfigDir: auto,
      options: { kubeconfig: "/etc/cni/net.d/multus.d/multus.kubeconfig", logToStderr: false },
    }, { fs: denoFs, out: (l) => lines.push(l) });
    assertEquals(path, join(conf, "00-multus.conflist"));
    const doc = JSON.parse(await Deno.readTextFile(path));
    assertEquals(doc.plugins[0].type, "multus");
    assertEquals(doc.plugins[0].logToStderr, false);
    assertEquals(doc.plugins[0].kubeconfig, "/etc/cni/net.d/multus.d/multus.kubeconfig");
    assertEquals(doc.plugins[0].delegates[0].name, "cbr0");
    assertEquals(await Deno.stat(join(conf, "00-multus.conf")).catch(() => null), null);
    assertEquals(lines, [
      `removed the earlier ${conf}/00-multus.conf`,
      `multus config ${path} generated from ${auto}/10-a.conflist`,
    ]);
  });
});

Deno.test("writeThinConf() reports a missing primary and a version mismatch in Multus's words", async () => {
  await withDirs(async ({ conf, auto }) => {
    const opts = { confDir: conf, autoconfigDir: auto, attempts: 1 };
    await rejects(
      writeThinConf({ ...opts, options: { kubeconfig: "/k" } }, { fs: denoFs, out: () => {} }),
      (e: unknown) =>
        e instanceof InstallError &&
        e.message === `cannot find valid master CNI config in "${auto}"`,
    );
    await Deno.writeTextFile(
      join(auto, "10-a.conf"),
      '{"cniVersion":"0.3.1","name":"a","type":"x"}',
    );
    await rejects(
      writeThinConf({ ...opts, options: { kubeconfig: "/k", cniVersion: "1.0.0" } }, {
        fs: denoFs,
        out: () => {},
      }),
      (e: unknown) =>
        e instanceof InstallError &&
        e.message ===
          'failed to create multus config: Multus cni version is "1.0.0" while master plugin cni version is "0.3.1"',
    );
    assertEquals(await Array.fromAsync(Deno.readDir(conf)), []);
  });
});
