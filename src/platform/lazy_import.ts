/**
 * `import()` of a module that a process loads only when it needs it.
 *
 * Deno loads every statically analysable `import("...")` target of a program's module
 * graph when the program starts, needed or not: a literal `import("js-yaml")` in the thin
 * plugin's graph costs every pod's exec the npm package (and Deno's Node.js layer) even
 * when the kubeconfig is JSON. A specifier Deno cannot read ahead of time is loaded only
 * when this runs. Because the build cannot see such imports either, `scripts/build.ts`
 * lists every module loaded this way (`LAZY_MODULES`) for `deno compile --include` and for
 * the launcher's module cache; a test keeps that list and the calls in step.
 *
 * @example Usage
 * ```ts ignore
 * const { nodeTransport } = await importLazily<typeof import("./http_node.ts")>(
 *   new URL("./http_node.ts", import.meta.url),
 * );
 * ```
 *
 * @module
 */
import { verifyNpmPackages } from "./packed.ts";

/**
 * Imports `url` (a module of this program) when called, never at start-up. `npm: true`
 * for a module that loads an npm package: the packed executable's copy of the packages is
 * verified first (see packed.ts).
 */
export function importLazily<T>(url: URL, opts: { npm?: boolean } = {}): Promise<T> {
  const href: string = url.href;
  if (!opts.npm) return import(href);
  return verifyNpmPackages().then(() => import(href));
}
