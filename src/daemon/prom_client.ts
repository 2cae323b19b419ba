/**
 * `prom-client`, for `metrics.ts` to load with `importLazily` only when metrics are enabled.
 * A literal `import("prom-client")` would put the npm package in the daemon's module graph,
 * which Deno resolves at start-up (npm resolution and its Node.js layer: about 6 MiB of RSS
 * for the daemon's life) even when `metricsPort` is unset and the import never runs.
 *
 * @module
 */
export * from "prom-client";
