/**
 * API paths built one escaped segment at a time. A namespace or name reaches a path only
 * through {@linkcode pathSegment}, which refuses what client-go's `Request.Namespace` and
 * `Request.Name` refuse (`.`, `..`, `/`, `%`, an empty name): the API server decodes `%2F`
 * before it splits a path, so escaping alone would still let `a/b` name another object,
 * and a URL parser drops `.` and `..` segments (escaped or not).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";

/** Which part of a path a segment is, in client-go's words. */
export type SegmentKind = "namespace" | "resource name";

/** client-go's `IsValidPathSegmentName`: the reasons `value` cannot be one segment. */
export function segmentProblems(value: string): string[] {
  if (value === "." || value === "..") return [`may not be '${value}'`];
  return ["/", "%"].filter((c) => value.includes(c)).map((c) => `may not contain '${c}'`);
}

/**
 * `value` escaped as one path segment, or a {@linkcode CniError} (code 7) worded as
 * client-go's: `invalid namespace "a/b": [may not contain '/']`, `resource name may not be
 * empty`, `an empty namespace may not be set when a resource name is provided`.
 *
 * @example Usage
 * ```ts
 * import { pathSegment } from "./path.ts";
 * console.assert(pathSegment("resource name", "net-a") === "net-a");
 * ```
 */
export function pathSegment(kind: SegmentKind, value: string): string {
  if (value === "") {
    throw new CniError(
      CniCode.InvalidNetworkConfig,
      kind === "namespace"
        ? "an empty namespace may not be set when a resource name is provided"
        : "resource name may not be empty",
    );
  }
  const problems = segmentProblems(value);
  if (problems.length) {
    throw new CniError(
      CniCode.InvalidNetworkConfig,
      `invalid ${kind} ${JSON.stringify(value)}: [${problems.join(" ")}]`,
    );
  }
  return encodeURIComponent(value);
}

/**
 * `<base>/namespaces/<namespace>/<resource>[/<name>]`, each segment checked and escaped;
 * with no namespace, the cluster-wide `<base>/<resource>` (lists and watches).
 */
export function resourcePath(
  base: string,
  resource: string,
  opts: { namespace?: string | undefined; name?: string },
): string {
  const scope = opts.namespace === undefined || (opts.namespace === "" && opts.name === undefined)
    ? base
    : `${base}/namespaces/${pathSegment("namespace", opts.namespace)}`;
  const name = opts.name === undefined ? "" : `/${pathSegment("resource name", opts.name)}`;
  return `${scope}/${resource}${name}`;
}
