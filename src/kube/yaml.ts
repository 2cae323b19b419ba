/**
 * YAML for kubeconfig files, through `js-yaml`. Loaded lazily by `kubeconfig.ts` (only a
 * kubeconfig that is not JSON needs it), so a per-pod exec with a JSON kubeconfig never
 * loads the npm package.
 *
 * @module
 */
import { load } from "js-yaml";

/** Parses YAML text. Throws js-yaml's error (with `reason` and `mark`) when it is invalid. */
export function parseYaml(text: string): unknown {
  return load(text);
}
