/**
 * The thin plugin's Kubernetes access: the API client per the config's `kubeconfig`,
 * wrapped as Multus's {@linkcode KubeAccess}. The thin plugin imports this module only
 * when a command asks for the API (a DEL served from the scratch cache never does).
 *
 * @module
 */
import { loadKubeClient } from "../kube/mod.ts";
import { denoExec } from "../platform/exec.ts";
import { denoFs } from "../platform/fs.ts";
import type { Logger } from "../platform/log.ts";
import { processEnv } from "../platform/process.ts";
import type { KubeAccess } from "./deps.ts";
import { clientAccess } from "./kube_access.ts";

/** The API access `kubeconfig` (or the in-cluster config) gives, or null for none. */
export async function thinKubeAccess(
  kubeconfig: string,
  logger: Logger,
): Promise<KubeAccess | null> {
  const client = await loadKubeClient({
    kubeconfig,
    env: processEnv,
    fs: denoFs,
    exec: denoExec,
    onWarning: (m) => logger.warning(m),
  });
  return client ? clientAccess(client, { logger }) : null;
}
