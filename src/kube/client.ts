/**
 * The lean Kubernetes client: the handful of API calls Multus makes, as JSON over
 * `fetch` (see `../platform/http.ts`), without loading `@kubernetes/client-node`.
 *
 * @module
 */
import { BUILD_INFO } from "../_build_info.ts";
import type { Exec } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";
import { type HttpTransport, type HttpTransportOptions, TransportError } from "../platform/http.ts";
import type { Env } from "../platform/process.ts";
import { type KubeRequestInfo, RestEngine } from "./_rest.ts";
import { createCredentialSource, type CredentialSource } from "./credentials.ts";
import type { KubeConnectionConfig } from "./kubeconfig.ts";
import { pathSegment, resourcePath } from "./path.ts";
import type {
  CoreEvent,
  KubeList,
  KubeObject,
  NetworkAttachmentDefinition,
  Pod,
  ResourceClaim,
  ResourceSlice,
  WatchEvent,
} from "./types.ts";

export type { KubeRequestInfo };

/** Per-call options. */
export interface CallOptions {
  /** Overrides the client's default timeout (10 s) for this call. */
  timeoutMs?: number;
  /** Aborts the call (a `TransportError` of kind `aborted`). */
  signal?: AbortSignal;
}

/** Options of a list call. */
export interface ListOptions extends CallOptions {
  /** Limit to one namespace (default: all namespaces). */
  namespace?: string;
  /** e.g. `spec.nodeName=node1`. */
  fieldSelector?: string;
  /** e.g. `app=web`. */
  labelSelector?: string;
  /** Page size; pass the returned `metadata.continue` as `continue` for the next page. */
  limit?: number;
  /** The `metadata.continue` token of the previous page. */
  continue?: string;
  /** `0` lets the server answer from its watch cache. */
  resourceVersion?: string;
}

/** Options of a watch call. */
export interface WatchOptions {
  /** Start after this version (from the list); `""`/`"0"` sends the current state first. */
  resourceVersion: string;
  /** Limit to one namespace (default: all namespaces). */
  namespace?: string;
  /** e.g. `spec.nodeName=node1`. */
  fieldSelector?: string;
  /** e.g. `app=web`. */
  labelSelector?: string;
  /** Ask for BOOKMARK events carrying the latest resourceVersion. */
  allowWatchBookmarks?: boolean;
  /** Ask the server to end the stream after this many seconds. */
  timeoutSeconds?: number;
  /** Ends the stream: the iterator then finishes quietly. */
  signal: AbortSignal;
  /** Time allowed until the server answers the request (default the client's timeout). */
  timeoutMs?: number;
  /**
   * Called once the server has accepted the watch (its 200 answer, before any event): the
   * moment a client knows it is connected, which may be long before the first change.
   */
  onOpen?: () => void;
}

/** The network-status write: one merge patch of pods/status. */
export interface PodStatusPatch extends CallOptions {
  /**
   * When given, the server refuses the patch if the pod's UID differs (a recreated pod;
   * see `isUidMismatch`).
   */
  uid?: string;
  /** Annotations to set (a `null` value removes one). */
  annotations: Record<string, string | null>;
}

/** The API calls Multus makes. */
export interface KubeClient {
  /** Where the client points, for logs (`https://10.96.0.1:443 (in-cluster config)`). */
  readonly description: string;
  /** `GET /api/v1/namespaces/{ns}/pods/{name}`. */
  getPod(namespace: string, name: string, opts?: CallOptions): Promise<Pod>;
  /** `GET /apis/k8s.cni.cncf.io/v1/namespaces/{ns}/network-attachment-definitions/{name}`. */
  getNad(namespace: string, name: string, opts?: CallOptions): Promise<NetworkAttachmentDefinition>;
  /**
   * `PATCH /api/v1/namespaces/{ns}/pods/{name}/status` with a JSON merge patch
   * `{"metadata":{"uid":...,"annotations":{...}}}`: one request, UID as a precondition.
   */
  patchPodStatus(namespace: string, name: string, patch: PodStatusPatch): Promise<Pod>;
  /**
   * `PUT /api/v1/namespaces/{ns}/pods/{name}/status` with the whole pod (client-go's
   * `UpdateStatus`): the server keeps `spec` and replaces `status`, labels and annotations
   * with the body's, so `pod` must be an object read whole from the API, never a trimmed
   * copy. `metadata.uid` and `metadata.resourceVersion` in it are preconditions (409).
   */
  updatePodStatus(namespace: string, name: string, pod: Pod, opts?: CallOptions): Promise<Pod>;
  /** Posts a core/v1 Event (build it with `podEvent`). */
  createEvent(namespace: string, event: CoreEvent, opts?: CallOptions): Promise<CoreEvent>;
  /**
   * `PATCH /api/v1/namespaces/{ns}/events/{name}` with a strategic merge patch, as
   * client-go's recorder updates a repeated event (`{"count":..,"lastTimestamp":..,"message":..}`).
   */
  patchEvent(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    opts?: CallOptions,
  ): Promise<CoreEvent>;
  /** Lists pods (all namespaces unless `namespace`). */
  listPods(opts?: ListOptions): Promise<KubeList<Pod>>;
  /**
   * Watches pods from `resourceVersion`; the request is sent on the first `next()`. Ends
   * when the server closes the stream or `signal` aborts; a 410 arrives as an ERROR event.
   */
  watchPods(opts: WatchOptions): AsyncIterable<WatchEvent<Pod>>;
  /** Lists NetworkAttachmentDefinitions (all namespaces unless `namespace`). */
  listNads(opts?: ListOptions): Promise<KubeList<NetworkAttachmentDefinition>>;
  /** Watches NetworkAttachmentDefinitions, as {@linkcode KubeClient.watchPods}. */
  watchNads(opts: WatchOptions): AsyncIterable<WatchEvent<NetworkAttachmentDefinition>>;
  /** `GET /apis/resource.k8s.io/v1/namespaces/{ns}/resourceclaims/{name}` (DRA). */
  getResourceClaim?(namespace: string, name: string, opts?: CallOptions): Promise<ResourceClaim>;
  /** `GET /apis/resource.k8s.io/v1/resourceslices` (DRA), e.g. by `spec.nodeName,spec.driver`. */
  listResourceSlices?(opts?: ListOptions): Promise<KubeList<ResourceSlice>>;
  /** `GET /version`: the server's version (a cheap call that proves the API answers). */
  serverVersion?(opts?: CallOptions): Promise<ServerVersion>;
  /**
   * `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: whether this client's
   * user may do `attributes` (`kubectl auth can-i`).
   */
  accessReview?(attributes: ResourceAttributes, opts?: CallOptions): Promise<AccessReviewStatus>;
  /** Frees connections. */
  close(): void;
}

/** The parts of `/version` worth printing. */
export interface ServerVersion {
  gitVersion?: string;
  [key: string]: unknown;
}

/** A SelfSubjectAccessReview's `spec.resourceAttributes`. */
export interface ResourceAttributes {
  verb: string;
  resource: string;
  /** API group (`""` for core). */
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** A SelfSubjectAccessReview's `status`. */
export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** Effects and settings of {@linkcode createKubeClient}. */
export interface KubeClientDeps {
  /** Reads token, certificate and key files. */
  fs: Pick<Fs, "readText" | "stat">;
  /** Runs exec credential plugins. */
  exec: Exec;
  /** The environment exec credential plugins inherit. */
  env: Pick<Env, "toObject">;
  /** Default per-request timeout (10 s). */
  timeoutMs?: number;
  /** Called after every HTTP exchange (count API requests per operation). */
  onRequest?: (info: KubeRequestInfo) => void;
  /** Replaces the credentials derived from the config (the exotic path uses this). */
  credentials?: CredentialSource;
  /** Builds transports (default `createHttpTransport`). */
  transportFactory?: (options: HttpTransportOptions) => HttpTransport;
  /** Epoch ms (exec credential expiry). */
  now?: () => number;
}

/** The default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

const NAD_API = "/apis/k8s.cni.cncf.io/v1";
const DRA_API = "/apis/resource.k8s.io/v1";

function podPath(namespace: string, name: string): string {
  return resourcePath("/api/v1", "pods", { namespace, name });
}

function collection(base: string, resource: string, namespace?: string): string {
  return resourcePath(base, resource, { namespace: namespace || undefined });
}

/** `send()`'s promise, or its error as a rejection (a path that cannot be built, say). */
function attempt<T>(send: () => Promise<T>): Promise<T> {
  try {
    return send();
  } catch (err) {
    return Promise.reject(err);
  }
}

function call(opts: CallOptions | undefined): CallOptions {
  const out: CallOptions = {};
  if (opts?.timeoutMs !== undefined) out.timeoutMs = opts.timeoutMs;
  if (opts?.signal) out.signal = opts.signal;
  return out;
}

function listQuery(opts: ListOptions): Record<string, string | number | undefined> {
  return {
    fieldSelector: opts.fieldSelector,
    labelSelector: opts.labelSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
  };
}

async function* watchStream<T extends KubeObject>(
  rest: RestEngine,
  pathOf: () => string,
  opts: WatchOptions,
): AsyncGenerator<WatchEvent<T>> {
  const path = pathOf();
  let res;
  try {
    res = await rest.send({
      method: "GET",
      path,
      query: {
        watch: "true",
        resourceVersion: opts.resourceVersion,
        fieldSelector: opts.fieldSelector,
        labelSelector: opts.labelSelector,
        allowWatchBookmarks: opts.allowWatchBookmarks ? "true" : undefined,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal: opts.signal,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  } catch (err) {
    // The caller ended the watch before the server answered: end quietly, as a stream does.
    if (opts.signal.aborted && err instanceof TransportError && err.kind === "aborted") return;
    throw err;
  }
  opts.onOpen?.();
  for await (const line of res.lines()) {
    if (line.trim() === "") continue;
    let event: WatchEvent<T>;
    try {
      event = JSON.parse(line) as WatchEvent<T>;
    } catch {
      throw new Error(`watch ${path}: the API server sent an event that is not JSON`);
    }
    yield event;
  }
}

/**
 * A lean client for `config`.
 *
 * @example Usage
 * ```ts ignore
 * const client = createKubeClient(await loadKubeconfig(path, { fs: denoFs }), { fs: denoFs, exec: denoExec, env: processEnv });
 * const pod = await client.getPod("default", "web-0");
 * client.close();
 * ```
 */
/** The REST engine every client of `config` uses (credentials, TLS, timeouts, counting). */
export function createRestEngine(config: KubeConnectionConfig, deps: KubeClientDeps): RestEngine {
  return new RestEngine({
    server: config.server,
    tls: config.tls,
    credentials: deps.credentials ?? createCredentialSource(config, deps),
    userAgent: `multus-deno/${BUILD_INFO.version}`,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(deps.transportFactory ? { transportFactory: deps.transportFactory } : {}),
    ...(deps.onRequest ? { onRequest: deps.onRequest } : {}),
  });
}

export function createKubeClient(config: KubeConnectionConfig, deps: KubeClientDeps): KubeClient {
  const rest = createRestEngine(config, deps);
  return {
    description: `${config.server} (${config.origin})`,
    getPod: (namespace, name, opts) =>
      attempt(() =>
        rest.json<Pod>({ method: "GET", path: podPath(namespace, name), ...call(opts) })
      ),
    getNad: (namespace, name, opts) =>
      attempt(() =>
        rest.json<NetworkAttachmentDefinition>({
          method: "GET",
          path: resourcePath(NAD_API, "network-attachment-definitions", { namespace, name }),
          ...call(opts),
        })
      ),
    patchPodStatus: (namespace, name, patch) =>
      attempt(() => {
        const metadata: Record<string, unknown> = {};
        if (patch.uid) metadata["uid"] = patch.uid;
        metadata["annotations"] = patch.annotations;
        return rest.json<Pod>({
          method: "PATCH",
          path: `${podPath(namespace, name)}/status`,
          body: { metadata },
          contentType: "application/merge-patch+json",
          ...call(patch),
        });
      }),
    updatePodStatus: (namespace, name, pod, opts) =>
      attempt(() =>
        rest.json<Pod>({
          method: "PUT",
          path: `${podPath(namespace, name)}/status`,
          body: pod,
          ...call(opts),
        })
      ),
    createEvent: (namespace, event, opts) =>
      attempt(() =>
        rest.json<CoreEvent>({
          method: "POST",
          path: `/api/v1/namespaces/${pathSegment("namespace", namespace)}/events`,
          body: event,
          ...call(opts),
        })
      ),
    patchEvent: (namespace, name, patch, opts) =>
      attempt(() =>
        rest.json<CoreEvent>({
          method: "PATCH",
          path: resourcePath("/api/v1", "events", { namespace, name }),
          body: patch,
          contentType: "application/strategic-merge-patch+json",
          ...call(opts),
        })
      ),
    listPods: (opts = {}) =>
      attempt(() =>
        rest.json<KubeList<Pod>>({
          method: "GET",
          path: collection("/api/v1", "pods", opts.namespace),
          query: listQuery(opts),
          ...call(opts),
        })
      ),
    watchPods: (opts) =>
      watchStream<Pod>(rest, () => collection("/api/v1", "pods", opts.namespace), opts),
    listNads: (opts = {}) =>
      attempt(() =>
        rest.json<KubeList<NetworkAttachmentDefinition>>({
          method: "GET",
          path: collection(NAD_API, "network-attachment-definitions", opts.namespace),
          query: listQuery(opts),
          ...call(opts),
        })
      ),
    watchNads: (opts) =>
      watchStream<NetworkAttachmentDefinition>(
        rest,
        () => collection(NAD_API, "network-attachment-definitions", opts.namespace),
        opts,
      ),
    getResourceClaim: (namespace, name, opts) =>
      attempt(() =>
        rest.json<ResourceClaim>({
          method: "GET",
          path: resourcePath(DRA_API, "resourceclaims", { namespace, name }),
          ...call(opts),
        })
      ),
    listResourceSlices: (opts = {}) =>
      rest.json<KubeList<ResourceSlice>>({
        method: "GET",
        path: `${DRA_API}/resourceslices`,
        query: listQuery(opts),
        ...call(opts),
      }),
    serverVersion: (opts) =>
      rest.json<ServerVersion>({ method: "GET", path: "/version", ...call(opts) }),
    accessReview: async (attributes, opts) => {
      const review = await rest.json<{ status?: AccessReviewStatus }>({
        method: "POST",
        path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: attributes },
        },
        ...call(opts),
      });
      return { allowed: false, ...review.status };
    },
    close: () => rest.close(),
  };
}

/** Counts API requests (hand its `onRequest` to the client). */
export class RequestCounter {
  #log: KubeRequestInfo[] = [];

  /** The hook to pass as `onRequest`. */
  readonly onRequest = (info: KubeRequestInfo): void => {
    this.#log.push(info);
  };

  /** Requests seen since the last reset. */
  get total(): number {
    return this.#log.length;
  }

  /** Requests seen, optionally only those matching `method` and a path prefix. */
  count(filter: { method?: string; pathPrefix?: string } = {}): number {
    return this.#log.filter((r) =>
      (filter.method === undefined || r.method === filter.method) &&
      (filter.pathPrefix === undefined || r.path.startsWith(filter.pathPrefix))
    ).length;
  }

  /** Every request seen, oldest first. */
  get requests(): readonly KubeRequestInfo[] {
    return this.#log;
  }

  /** Forgets what was seen. */
  reset(): void {
    this.#log = [];
  }
}
