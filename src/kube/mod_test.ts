import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import type { Fs } from "../platform/fs.ts";
import { envFromObject } from "../platform/process.ts";
import { FakeExec, MemoryFs } from "./_testing.ts";
import { loadKubeClient } from "./mod.ts";

function fullFs(mem: MemoryFs): Fs {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    readText: (p) => mem.readText(p),
    stat: (p) => mem.stat(p),
    writeAtomic: unused,
    remove: unused,
    removeTree: unused,
    list: unused,
    mkdirp: unused,
  };
}

const KUBECONFIG = JSON.stringify({
  clusters: [{ name: "c", cluster: { server: "https://k:6443" } }],
  users: [{ name: "u", user: { token: "t" } }],
  contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
  "current-context": "x",
});

const IN_CLUSTER_ENV = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };

Deno.test("loadKubeClient() returns null without a kubeconfig or in-cluster env (delegates only)", async () => {
  const client = await loadKubeClient({
    env: envFromObject({}),
    fs: fullFs(new MemoryFs()),
    exec: new FakeExec(() => ({})),
  });
  assertEquals(client, null);
});

Deno.test("loadKubeClient() prefers the kubeconfig key over the in-cluster env", async () => {
  const fs = fullFs(new MemoryFs().write("/k", KUBECONFIG));
  const client = await loadKubeClient({
    kubeconfig: "/k",
    env: envFromObject(IN_CLUSTER_ENV),
    fs,
    exec: new FakeExec(() => ({})),
  });
  ok(client);
  assertEquals(client.description, "https://k:6443 (kubeconfig /k)");
  client.close();
});

Deno.test("loadKubeClient() uses the in-cluster config when the kubeconfig key is empty", async () => {
  const mem = new MemoryFs().write("/sa/token", "t");
  const warnings: string[] = [];
  const client = await loadKubeClient({
    kubeconfig: "",
    env: envFromObject(IN_CLUSTER_ENV),
    fs: fullFs(mem),
    exec: new FakeExec(() => ({})),
    serviceAccountDir: "/sa",
    onWarning: (w) => warnings.push(w),
  });
  ok(client);
  assertEquals(client.description, "https://10.96.0.1:443 (in-cluster config)");
  assertEquals(warnings.length, 1, "the missing ca.crt is reported");
  client.close();
});

Deno.test("loadKubeClient() fails with GetK8sClient's message for a broken kubeconfig", async () => {
  await rejects(
    loadKubeClient({
      kubeconfig: "/nope",
      env: envFromObject({}),
      fs: fullFs(new MemoryFs()),
      exec: new FakeExec(() => ({})),
    }),
    (e: unknown) =>
      e instanceof CniError &&
      e.message ===
        "GetK8sClient: failed to get context for the kubeconfig /nope: stat /nope: no such file or directory",
  );
});

Deno.test("loadKubeClient() sends an unsupported auth-provider to the exotic path, which refuses it", async () => {
  const fs = fullFs(
    new MemoryFs().write(
      "/k",
      JSON.stringify({
        ...JSON.parse(KUBECONFIG),
        users: [{ name: "u", user: { "auth-provider": { name: "keystone" } } }],
      }),
    ),
  );
  await rejects(
    loadKubeClient({
      kubeconfig: "/k",
      env: envFromObject({}),
      fs,
      exec: new FakeExec(() => ({})),
    }),
    /auth-provider "keystone" is not supported/,
  );
});
