/**
 * The command-line flags of `multus-daemon`, shared by the daemon's entry point and by
 * the static checks of the manifests and the Dockerfile (`tests/deployments_test.ts`),
 * so a manifest can only use a flag the daemon accepts.
 *
 * Multus spells them with one dash (`-config`, `-version`); Go's `flag` package takes
 * `--config` as well, so a drop-in daemon accepts both spellings, and parses them as that
 * package does (see {@linkcode parseDaemonFlags}).
 *
 * @module
 */

/**
 * Every flag `multus-daemon` accepts, by name (without dashes), with its kind (a string
 * flag takes a value, a boolean flag does not):
 *
 * - `config`: path of the daemon config (Multus's default path);
 * - `version`: print the version and exit;
 * - `probe`: check a running daemon's endpoint (e.g. `-probe readyz`) over its socket and
 *   exit 0 or 1, for exec probes (a kubelet cannot httpGet a unix socket).
 *
 * @example
 * ```ts
 * DAEMON_FLAGS.config.default; // "/etc/cni/net.d/multus.d/daemon-config.json"
 * ```
 */
export const DAEMON_FLAGS = {
  config: { kind: "string", default: "/etc/cni/net.d/multus.d/daemon-config.json" },
  version: { kind: "boolean" },
  probe: { kind: "string", default: "" },
} as const;

/** The flags' values once parsed. */
export interface DaemonFlags {
  config: string;
  version: boolean;
  probe: string;
}

/**
 * What a command line asks of the daemon: to run with `flags`, to print its usage
 * (`-h`, `-help`), or nothing it can do (`error` says why, in Go's words).
 */
export type DaemonCommandLine =
  | { kind: "run"; flags: DaemonFlags }
  | { kind: "help" }
  | { kind: "error"; message: string };

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/**
 * Parses the daemon's arguments as Go's `flag` package parses Multus's: one or two dashes,
 * `-name value` or `-name=value` for string flags, `-name` or `-name=true|false` for
 * boolean ones, the last occurrence winning; `-h`, `-help` (and `--h`, `--help`) ask for
 * the usage. Errors carry Go's messages (`flag provided but not defined: -x`, `flag
 * needs an argument: -config`, ...). Go stops at the first argument that is not a flag and
 * Multus ignores the rest; here such an argument is an error, so a typo is not silently
 * dropped.
 *
 * @example
 * ```ts
 * parseDaemonFlags(["--config=/c.json"]); // { kind: "run", flags: { config: "/c.json", ... } }
 * parseDaemonFlags(["-help"]); // { kind: "help" }
 * ```
 */
export function parseDaemonFlags(args: readonly string[]): DaemonCommandLine {
  const flags: DaemonFlags = {
    config: DAEMON_FLAGS.config.default,
    version: false,
    probe: DAEMON_FLAGS.probe.default,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      const next = args[i + 1];
      if (next === undefined) break;
      return { kind: "error", message: `unexpected argument ${JSON.stringify(next)}` };
    }
    if (arg.length < 2 || !arg.startsWith("-")) {
      return { kind: "error", message: `unexpected argument ${JSON.stringify(arg)}` };
    }
    const body = arg.slice(arg.startsWith("--") ? 2 : 1);
    if (body === "" || body.startsWith("-") || body.startsWith("=")) {
      return { kind: "error", message: `bad flag syntax: ${arg}` };
    }
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    if (name === "version") {
      if (inline === undefined || GO_TRUE.has(inline)) flags.version = true;
      else if (GO_FALSE.has(inline)) flags.version = false;
      else {
        return {
          kind: "error",
          message: `invalid boolean value ${JSON.stringify(inline)} for -${name}: parse error`,
        };
      }
    } else if (name === "config" || name === "probe") {
      const value = inline ?? args[++i];
      if (value === undefined) {
        return { kind: "error", message: `flag needs an argument: -${name}` };
      }
      flags[name] = value;
    } else if (name === "h" || name === "help") {
      return { kind: "help" };
    } else {
      return { kind: "error", message: `flag provided but not defined: -${name}` };
    }
  }
  return { kind: "run", flags };
}
