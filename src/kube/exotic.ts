/**
 * The exotic path: kubeconfigs whose user has an `auth-provider` (oidc, gcp, azure).
 * Those token flows live in `@kubernetes/client-node`, so only here is it loaded (with a
 * dynamic `import()`, ~350 ms and tens of MiB). client-node reads the kubeconfig and
 * produces the `Authorization` header for each request (refreshing the token as its
 * authenticators do); everything else - TLS, the requests, errors - is the lean client's.
 *
 * An auth-provider client-node does not know, or one that yields no token, is an error,
 * never an anonymous fallback.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import { createKubeClient, type KubeClient, type KubeClientDeps } from "./client.ts";
import {
  createCredentialSource,
  type CredentialSource,
  type RequestCredentials,
} from "./credentials.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";

/** The auth-provider names `@kubernetes/client-node` 2.x implements. */
export const EXOTIC_AUTH_PROVIDERS: readonly string[] = ["oidc", "gcp", "azure"];

/** The slice of client-node's `KubeConfig` this module uses. */
export interface ClientNodeKubeConfig {
  loadFromFile(file: string): void;
  applyToHTTPSOptions(opts: { headers?: Record<string, unknown> }): Promise<void>;
}

/** Loads client-node's `KubeConfig` class (injected in tests). */
export type ClientNodeLoader = () => Promise<new () => ClientNodeKubeConfig>;

/** Imports `@kubernetes/client-node`'s config module only. */
export const loadClientNode: ClientNodeLoader = async (): Promise<
  new () => ClientNodeKubeConfig
> => {
  const mod = await import("@kubernetes/client-node/dist/config.js");
  return mod.KubeConfig as unknown as new () => ClientNodeKubeConfig;
};

function unsupported(path: string, reason: string): CniError {
  return new CniError(
    CniCode.Internal,
    `GetK8sClient: failed to get context for the kubeconfig ${path}: ${reason}`,
  );
}

/**
 * A client for a kubeconfig with an `auth-provider` user. Throws a {@linkcode CniError}
 * naming the provider when it is not supported or client-node cannot be loaded.
 */
export async function createExoticClient(
  config: KubeConnectionConfig,
  deps: KubeClientDeps & { loadClientNode?: ClientNodeLoader },
): Promise<KubeClient> {
  const path = config.kubeconfigPath ?? config.origin;
  if (config.auth.kind !== "authProvider") {
    throw unsupported(path, "the exotic client is only for auth-provider users");
  }
  const provider = config.auth.name;
  if (!EXOTIC_AUTH_PROVIDERS.includes(provider)) {
    throw unsupported(
      path,
      `auth-provider "${provider}" is not supported (supported: ${
        EXOTIC_AUTH_PROVIDERS.join(", ")
      }; ` +
        `or use an exec credential plugin)`,
    );
  }
  if (!config.kubeconfigPath) throw unsupported(path, "auth-provider needs a kubeconfig file");
  let KubeConfig: new () => ClientNodeKubeConfig;
  try {
    KubeConfig = await (deps.loadClientNode ?? loadClientNode)();
  } catch (err) {
    throw unsupported(
      path,
      `auth-provider "${provider}" needs @kubernetes/client-node, which failed to load: ${
        (err as Error).message
      }`,
    );
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(config.kubeconfigPath);
  } catch (err) {
    throw unsupported(path, `@kubernetes/client-node could not read it: ${(err as Error).message}`);
  }
  // TLS client certificates, if any, come from the lean source; only the header from client-node.
  const certs = createCredentialSource({ ...config, auth: { kind: "none" } }, deps);
  const credentials: CredentialSource = {
    description: `auth-provider ${provider} of the kubeconfig ${config.kubeconfigPath}`,
    async get(): Promise<RequestCredentials> {
      const opts: { headers: Record<string, unknown> } = { headers: {} };
      try {
        await kc.applyToHTTPSOptions(opts);
      } catch (err) {
        throw new Error(
          `getting credentials: auth-provider ${provider}: ${(err as Error).message}`,
        );
      }
      const authorization = opts.headers["Authorization"] ?? opts.headers["authorization"];
      if (typeof authorization !== "string" || authorization === "") {
        throw new Error(
          `getting credentials: auth-provider ${provider} produced no token (is its token expired with no way to refresh it?)`,
        );
      }
      return { ...(await certs.get()), authorization };
    },
    invalidate: () => false,
  };
  return createKubeClient(config, { ...deps, credentials });
}
