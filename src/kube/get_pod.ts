/**
 * Multus's GetPod policy (reference section 2.6.1) over any pod source: poll every `pollMs` with a
 * per-call timeout of one poll interval for up to `totalMs`, retrying retriable failures
 * (and NotFound only with `retryNotFound`, the daemon's informer path); then, if the poll
 * did not settle it, one live GET with the client's normal timeout. Then the pod-UID check.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import { cniCodeOf, isNotFound, isRetriable } from "./errors.ts";
import type { CallOptions } from "./client.ts";
import type { Pod } from "./types.ts";

/** Where pods come from: the client, or an informer's cache. */
export interface PodGetter {
  getPod(namespace: string, name: string, opts?: CallOptions): Promise<Pod>;
}

/** Time, injected so tests need not wait. */
export interface PollClock {
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const realClock: PollClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What to fetch and how. */
export interface GetPodOptions {
  namespace: string;
  name: string;
  /** `K8S_POD_UID` from CNI_ARGS; "" or absent skips the UID check. */
  uid?: string;
  /** ADD fails on a UID mismatch; DEL warns and treats the pod as absent. */
  command: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";
  /** Retry NotFound too (the informer may lag behind the API). */
  retryNotFound?: boolean;
  /** Poll interval and per-call timeout (default 250 ms; Multus uses 50 ms with an informer). */
  pollMs?: number;
  /** Give up polling after this long (default 2.5 s). */
  totalMs?: number;
  /** For the final GET after a failed poll (default: the polled source, normal timeout). */
  live?: PodGetter;
  clock?: PollClock;
}

/** The outcome: the pod, or its absence; `warning` is for the log. */
export type GetPodResult =
  | { pod: Pod; warning?: string }
  | { notFound: true; warning?: string };

/** Annotation the kubelet sets on static pods' mirror objects (`file`, `http`) and others (`api`). */
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";

/** A static pod: `kubernetes.io/config.source` present and not `api` (kubelet's `IsStaticPod`). */
export function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata.annotations?.[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== "api";
}

/** Multus's `errPodNotFound` text. */
export const POD_NOT_FOUND_MESSAGE = "pod not found during Multus GetPod";

/**
 * Fetches a pod with Multus's retry policy and UID rule.
 *
 * Throws a {@linkcode CniError} `error waiting for pod: <reason>` when the API keeps
 * failing, and `expected pod UID "<cni>" but got "<api>" from Kube API` on an ADD for a
 * recreated pod.
 *
 * @example Usage
 * ```ts ignore
 * const r = await getPodWithRetry(client, { namespace: "ns", name: "pod", uid, command: "ADD" });
 * if ("notFound" in r) return emptyResult();
 * ```
 */
export async function getPodWithRetry(
  source: PodGetter,
  opts: GetPodOptions,
): Promise<GetPodResult> {
  const clock = opts.clock ?? realClock;
  const pollMs = opts.pollMs ?? 250;
  const totalMs = opts.totalMs ?? 2_500;
  const deadline = clock.now() + totalMs;
  let pod: Pod | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      pod = await source.getPod(opts.namespace, opts.name, { timeoutMs: pollMs });
      break;
    } catch (err) {
      lastError = err;
      if (isNotFound(err) && !opts.retryNotFound) return { notFound: true };
      if (!isNotFound(err) && !isRetriable(err)) break;
    }
    if (clock.now() + pollMs > deadline) break;
    await clock.sleep(pollMs);
  }
  if (!pod) {
    if (isNotFound(lastError)) return { notFound: true };
    try {
      pod = await (opts.live ?? source).getPod(opts.namespace, opts.name);
    } catch (err) {
      if (isNotFound(err)) return { notFound: true };
      throw new CniError(cniCodeOf(err), `error waiting for pod: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return checkUid(pod, opts);
}

function checkUid(pod: Pod, opts: GetPodOptions): GetPodResult {
  const want = opts.uid ?? "";
  const got = pod.metadata.uid ?? "";
  if (want === "" || want === got || isStaticPod(pod)) return { pod };
  const message = `expected pod UID "${want}" but got "${got}" from Kube API`;
  if (opts.command === "DEL") {
    return {
      notFound: true,
      warning: `pod ${opts.namespace}/${opts.name}: ${message}; treating the pod as gone`,
    };
  }
  throw new CniError(CniCode.Internal, message);
}
