/**
 * Multus's error prefixes: `Multus: [<ns>/<pod>/<uid>]: ` for command errors and
 * `[<ns>/<pod>/<uid>:<network>]: ` for a delegate's failure. The CNI code of the
 * underlying error is kept.
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import type { K8sArgs } from "../engine/multus.ts";
import { cniCodeOf } from "../kube/errors.ts";

/**
 * Multus `cmdErr`: `Multus: [ns/name/uid]: <msg>` (no pod part when args are unknown). An
 * API error that is worth retrying (no answer, 429, 5xx) becomes code 11, so that the
 * runtime tries again later; any other non-CNI error is 999.
 */
export function cmdErr(k8s: K8sArgs | null, err: unknown, what = ""): CniError {
  const pod = k8s ? `[${k8s.podNamespace}/${k8s.podName}/${k8s.podUid}]: ` : "";
  return CniError.from(err, cniCodeOf(err)).withPrefix(`Multus: ${pod}${what}`);
}

/** Multus `cmdPluginErr`: `[ns/name/uid:network]: <msg>`. */
export function pluginErr(k8s: K8sArgs, network: string, err: unknown, what = ""): CniError {
  return CniError.from(err).withPrefix(
    `[${k8s.podNamespace}/${k8s.podName}/${k8s.podUid}:${network}]: ${what}`,
  );
}

/**
 * A delegate's ADD failure as Multus words it:
 * `[ns/name/uid:network]: error adding container to network "network": <msg>`.
 */
export function addErr(k8s: K8sArgs, network: string, err: unknown): CniError {
  return pluginErr(k8s, network, err, `error adding container to network "${network}": `);
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
