/**
 * The only place that talks to the Kubernetes API server.
 *
 * {@linkcode loadKubeClient} applies Multus's rule (reference section 2.1): a non-empty
 * `kubeconfig` key -> that file; else `KUBERNETES_SERVICE_HOST` + `KUBERNETES_SERVICE_PORT`
 * -> in-cluster config; else no client (Multus's delegates-only mode). The lean client
 * serves every kubeconfig except `auth-provider` users, for which `exotic.ts` loads
 * `@kubernetes/client-node` lazily.
 *
 * @module
 */
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import type { Env } from "../platform/process.ts";
import { createKubeClient, type KubeClient, type KubeRequestInfo } from "./client.ts";
import { inClusterEnvSet, loadInClusterConfig } from "./in_cluster.ts";
import { type KubeConnectionConfig, loadKubeconfig } from "./kubeconfig.ts";
import { importLazily } from "../platform/lazy_import.ts";

export {
  type AccessReviewStatus,
  type CallOptions,
  createKubeClient,
  DEFAULT_TIMEOUT_MS,
  type KubeClient,
  type KubeClientDeps,
  type KubeRequestInfo,
  type ListOptions,
  type PodStatusPatch,
  RequestCounter,
  type ResourceAttributes,
  type ServerVersion,
  type WatchOptions,
} from "./client.ts";
export {
  isConflict,
  isForbidden,
  isNotFound,
  isRetriable,
  isUidMismatch,
  isUnauthorized,
  KubeApiError,
  KubeCredentialError,
  TransportError,
} from "./errors.ts";
export { podEvent, type PodEventSpec } from "./events.ts";
export {
  CONFIG_SOURCE_ANNOTATION,
  type GetPodOptions,
  type GetPodResult,
  getPodWithRetry,
  isStaticPod,
  POD_NOT_FOUND_MESSAGE,
  type PodGetter,
  type PollClock,
} from "./get_pod.ts";
export {
  DEFAULT_RETRY,
  type RetryBackoff,
  retryOnConflict,
  type RetryOnConflictOptions,
} from "./retry.ts";
export { inClusterEnvSet, loadInClusterConfig, SERVICE_ACCOUNT_DIR } from "./in_cluster.ts";
export { type KubeConnectionConfig, loadKubeconfig } from "./kubeconfig.ts";
export type * from "./types.ts";

/** Options of {@linkcode loadKubeClient}. */
export interface LoadKubeClientOptions {
  /** Multus's `kubeconfig` key. */
  kubeconfig?: string;
  env: Env;
  fs: Fs;
  exec: Exec;
  /** The in-cluster service-account directory (tests). */
  serviceAccountDir?: string;
  /** Default per-request timeout (10 s). */
  timeoutMs?: number;
  /** Called after every HTTP exchange. */
  onRequest?: (info: KubeRequestInfo) => void;
  /** Gets notes worth a log line (an unreadable in-cluster CA, an ignored `proxy-url`). */
  onWarning?: (message: string) => void;
}

/**
 * The client Multus would build, or null when there is no Kubernetes configuration.
 * Throws a `CniError` (`GetK8sClient: ...`) when the configuration is broken.
 *
 * @example Usage
 * ```ts ignore
 * const client = await loadKubeClient({ kubeconfig: conf.kubeconfig, env: processEnv, fs: denoFs, exec: denoExec });
 * if (client === null) runDelegatesOnly();
 * ```
 */
export async function loadKubeClient(options: LoadKubeClientOptions): Promise<KubeClient | null> {
  let config: KubeConnectionConfig;
  if (options.kubeconfig) {
    config = await loadKubeconfig(options.kubeconfig, { fs: options.fs });
  } else if (inClusterEnvSet(options.env)) {
    config = await loadInClusterConfig({
      env: options.env,
      fs: options.fs,
      ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}),
    });
  } else {
    return null;
  }
  for (const warning of config.warnings) options.onWarning?.(warning);
  const deps = {
    fs: options.fs,
    exec: options.exec,
    env: options.env,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  };
  if (config.auth.kind === "authProvider") {
    const { createExoticClient } = await importLazily<typeof import("./exotic.ts")>(
      new URL("./exotic.ts", import.meta.url),
      { npm: true },
    );
    return await createExoticClient(config, deps);
  }
  return createKubeClient(config, deps);
}
