import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { CniError } from "../cni/error.ts";
import { envFromObject } from "../platform/process.ts";
import { FakeExec, fakeTransports, MemoryFs } from "./_testing.ts";
import { type ClientNodeKubeConfig, createExoticClient } from "./exotic.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";

function config(name: string): KubeConnectionConfig {
  return {
    origin: "kubeconfig /k",
    kubeconfigPath: "/k",
    server: "https://api:6443",
    tls: { insecureSkipVerify: false },
    auth: { kind: "authProvider", name, config: {} },
    warnings: [],
  };
}

/** A stand-in for client-node's KubeConfig that hands out a fixed header. */
function fakeKubeConfig(
  header: string | undefined,
  loaded: string[],
): new () => ClientNodeKubeConfig {
  return class {
    loadFromFile(file: string): void {
      loaded.push(file);
    }
    applyToHTTPSOptions(opts: { headers?: Record<string, unknown> }): Promise<void> {
      if (header !== undefined) opts.headers = { ...opts.headers, Authorization: header };
      return Promise.resolve();
    }
  };
}

function deps(loader: () => Promise<new () => ClientNodeKubeConfig>) {
  const t = fakeTransports(() => ({ body: { metadata: { name: "p" } } }));
  return {
    t,
    deps: {
      fs: new MemoryFs(),
      exec: new FakeExec(() => ({})),
      env: envFromObject({}),
      transportFactory: t.factory,
      loadClientNode: loader,
    },
  };
}

Deno.test("createExoticClient() sends the Authorization header client-node computes", async () => {
  const loaded: string[] = [];
  const { t, deps: d } = deps(() => Promise.resolve(fakeKubeConfig("Bearer oidc-token", loaded)));
  const client = await createExoticClient(config("oidc"), d);
  await client.getPod("ns", "p");
  assertEquals(loaded, ["/k"]);
  assertEquals(t.requests()[0]!.headers["authorization"], "Bearer oidc-token");
  client.close();
});

Deno.test("createExoticClient() refuses an auth-provider client-node does not know", async () => {
  const { deps: d } = deps(() => Promise.reject(new Error("must not load")));
  await rejects(createExoticClient(config("openstack"), d), (e: unknown) => {
    ok(e instanceof CniError);
    assertEquals(
      e.message,
      'GetK8sClient: failed to get context for the kubeconfig /k: auth-provider "openstack" is not supported ' +
        "(supported: oidc, gcp, azure; or use an exec credential plugin)",
    );
    return true;
  });
});

Deno.test("createExoticClient() fails clearly when client-node cannot be loaded", async () => {
  const { deps: d } = deps(() => Promise.reject(new Error("Cannot find module")));
  await rejects(createExoticClient(config("gcp"), d), (e: unknown) => {
    assertEquals(
      (e as Error).message,
      'GetK8sClient: failed to get context for the kubeconfig /k: auth-provider "gcp" needs @kubernetes/client-node, which failed to load: Cannot find module',
    );
    return e instanceof CniError;
  });
});

Deno.test("createExoticClient() requests fail, never go anonymous, when the provider yields no token", async () => {
  const { t, deps: d } = deps(() => Promise.resolve(fakeKubeConfig(undefined, [])));
  const client = await createExoticClient(config("azure"), d);
  await rejects(client.getPod("ns", "p"), /auth-provider azure produced no token/);
  assertEquals(t.requests().length, 0);
  client.close();
});
