/**
 * The command-line flags of `multus-daemon`, shared by the daemon's entry point and by
 * the static checks of the manifests and the Dockerfile (`tests/deployments_test.ts`),
 * so a manifest can only use a flag the daemon accepts.
 *
 * Multus spells them with one dash (`-config`, `-version`); Go's `flag` package takes
 * `--config` as well, so a drop-in daemon accepts both spellings.
 *
 * @module
 */

/**
 * Every flag `multus-daemon` accepts, by name (without dashes):
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
  config: { default: "/etc/cni/net.d/multus.d/daemon-config.json" },
  version: {},
  probe: {},
} as const;
