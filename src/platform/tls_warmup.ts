/**
 * Moves the TLS stack's one-time entropy set-up off a plugin exec's critical path.
 *
 * Deno's TLS (rustls over aws-lc) seeds aws-lc's random generator from CPU jitter entropy
 * the first time a process needs randomness: about 30 ms of CPU on these machines, paid on
 * the main thread by the first `connectTls` (aws/aws-lc-rs#1140; the fix is a build flag of
 * the Deno binary, which we do not build). Generating an ECDSA key through WebCrypto runs
 * on Deno's blocking thread pool and draws from the same generator, so starting one as the
 * process starts lets the set-up run on another core while the plugin reads its config and
 * loads its modules; the first HTTPS request then costs what every later one does.
 *
 * @module
 */
import type { Stdio } from "./stdio.ts";

/**
 * Starts the set-up in the background and returns at once (well under 1 ms). Failures
 * are ignored: the first TLS connection then simply pays the set-up itself.
 *
 * @example Usage
 * ```ts
 * import { warmUpTlsEntropy } from "./tls_warmup.ts";
 * warmUpTlsEntropy();
 * ```
 */
export function warmUpTlsEntropy(): void {
  try {
    crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])
      .catch(() => {});
  } catch {
    // no WebCrypto: nothing to warm up
  }
}

/**
 * Whether a thin-plugin invocation is an ADD that will reach the Kubernetes API: its
 * config names a `kubeconfig` or the in-cluster environment is set. Reads stdin (the
 * process's stdin is read once and kept, so the plugin still sees it). A false positive
 * only costs the set-up's CPU on another core; a false negative, the set-up on the
 * first connection.
 *
 * @example Usage
 * ```ts
 * import { willUseKubernetes } from "./tls_warmup.ts";
 * const stdin = { readStdin: () => new TextEncoder().encode('{"kubeconfig":"/k"}') };
 * console.assert(willUseKubernetes("ADD", stdin, {}));
 * ```
 */
export function willUseKubernetes(
  command: string | undefined,
  stdio: Pick<Stdio, "readStdin">,
  env: Record<string, string>,
): boolean {
  if (command !== "ADD") return false;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return true;
  try {
    const conf = JSON.parse(new TextDecoder().decode(stdio.readStdin())) as unknown;
    return typeof conf === "object" && conf !== null &&
      typeof (conf as { kubeconfig?: unknown }).kubeconfig === "string" &&
      (conf as { kubeconfig: string }).kubeconfig !== "";
  } catch {
    return false; // the plugin reports the bad config
  }
}
