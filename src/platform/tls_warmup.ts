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
