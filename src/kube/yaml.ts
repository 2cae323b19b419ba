/**
 * YAML for kubeconfig files, through `js-yaml`. Loaded lazily by `kubeconfig.ts` (only a
 * kubeconfig that is not JSON needs it), so a per-pod exec with a JSON kubeconfig never
 * loads the npm package.
 *
 * @module
 */
import { load, loadAll } from "js-yaml";

/** Parses YAML text. Throws js-yaml's error (with `reason` and `mark`) when it is invalid. */
export function parseYaml(text: string): unknown {
  return load(text);
}

/** Parses every document of a YAML stream (`---` separated); empty documents are dropped. */
export function parseYamlDocuments(text: string): unknown[] {
  return loadAll(text).filter((d) => d !== null && d !== undefined);
}
