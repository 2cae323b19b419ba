/**
 * The thin plugin's integration cases, rerun through `dist/bin/multus-shim` and
 * `dist/bin/multus-daemon` (issue 4): the fixture switches to thick mode (see
 * `tests/support/test_mode.ts`), then the thin test files are imported here, in this
 * module's own isolate, and register their tests again under a `[thick]` prefix.
 *
 * A case that checks something only the thin plugin does is registered as ignored, with
 * the reason next to its name below; every other case runs. Where the modes differ by
 * design (which API requests an ADD makes, where logs go), the case itself asks
 * `testMode()`; error messages are compared without the shim's documented prefix, which
 * the fixture checks and strips (`unwrapShimError` in `tests/support/multus_env.ts`).
 */
import { setTestMode } from "../support/test_mode.ts";

setTestMode("thick");

/** Thin-only cases: name -> why it does not apply to shim + daemon. */
const THIN_ONLY: Record<string, string> = {
  "multus delegates mode without a kubeconfig runs only the static delegates and reads no annotation":
    "the daemon always has its own Kubernetes access, whatever the shim's config says, as Multus thick",
  "multus ADD makes one pod GET, one GET per distinct NAD (all at once; Go: one per element, in turn), one status PATCH and one event per interface; DEL with its scratch cache asks nothing (ours: Go reads the pod first)":
    "counts the thin plugin's API requests; thick_test.ts counts the daemon's",
  "multus ADD with the API failing a NAD read (503) fails with code 11 to be retried":
    "the daemon reads NADs from its informer cache; API outages in thick mode are tested in thick_test.ts and daemon_informer_test.ts",
  "multus logFile lines are '<RFC3339> [<level>] <msg>' with nothing above logLevel":
    "per-call logging keys configure the shim's own log in thick mode; the daemon logs by its daemon config",
  "multus logs a failed command at error level, and by default (panic) logs nothing":
    "per-call logging keys configure the shim's own log in thick mode; the daemon logs by its daemon config",
  "multus logToStderr copies the log lines to stderr; an unknown logLevel is reported there":
    "per-call logging keys configure the shim's own log in thick mode; the daemon logs by its daemon config",
  "multus logOptions rotate logFile by maxSize and keep maxBackups (ours: Go's thin plugin ignores logOptions, quirk 4)":
    "per-call logging keys configure the shim's own log in thick mode; the daemon logs by its daemon config",
};

const register = Deno.test;
const seen = new Set<string>();
const prefixed = (name: string, fn: () => Promise<void> | void): void => {
  seen.add(name);
  const why = THIN_ONLY[name];
  register({ name: `[thick] ${name}${why ? ` (thin only: ${why})` : ""}`, ignore: !!why, fn });
};
// deno-lint-ignore no-explicit-any
(Deno as any).test = prefixed;
try {
  await import("./thin_plugin_test.ts");
  await import("./thin_annotations_test.ts");
  await import("./thin_config_test.ts");
  await import("./thin_routes_test.ts");
  await import("./thin_lifecycle_test.ts");
  await import("./thin_del_test.ts");
  await import("./thin_api_test.ts");
  await import("./thin_status_test.ts");
  await import("./thin_bad_input_test.ts");
  await import("./thin_logging_test.ts");
  await import("./thin_hardening_test.ts");
  await import("./thin_netns_test.ts");
  await import("./thin_delegate_output_test.ts");
} finally {
  // deno-lint-ignore no-explicit-any
  (Deno as any).test = register;
}
const stale = Object.keys(THIN_ONLY).filter((name) => !seen.has(name));
if (stale.length > 0) throw new Error(`THIN_ONLY names no test any more: ${stale.join("; ")}`);
