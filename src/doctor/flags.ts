/**
 * The command line of `multus doctor` and its help text.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The text `multus doctor --help` (and `multus help doctor`) prints. */
export const DOCTOR_HELP = `Usage: multus doctor [--config FILE] [--fix] [-o json] [options]

Checks this node's Multus and prints one line per check, PASS, WARN, FAIL or SKIP, with
the fix for each:
  config      the Multus config parses (thick: with the daemon config laid over it)
  primary     its clusterNetwork (or delegates) resolves: a file, a directory or a NAD
  kubeconfig  the kubeconfig (or in-cluster service account) loads
  token       its token is not expired; a token file is rotating (JWT exp and iat)
  api         the API server answers GET /version
  rbac        every permission the mode needs (SelfSubjectAccessReview per verb and
              resource); pods/status with update but no patch (Multus's ClusterRole) warns
  daemon      thick: the daemon socket answers /readyz
  informers   thick: the daemon's informers synced (needs metricsPort in its config)
  binaries    the plugins of the cluster network and of this node's pods' networks are
              in binDir or CNI_PATH
  cache       cached attachments (<cniDir>/<containerID>, <cniDir>/results) whose pod
              is not on this node; --fix runs their DEL (as the shim does on the node
              when the daemon does not answer), releasing their IP leases
Nothing is changed without --fix. No token is printed. Exit code: 0 when nothing failed
(warnings allowed), 1 when a check failed, 2 for a bad command line.

Flags:
  --config FILE          the Multus config (default: the first config in --cni-conf-dir,
                         as the runtime picks it: usually 00-multus.conf)
  --cni-conf-dir DIR     the CNI config dir (default /etc/cni/net.d)
  --daemon-config FILE   thick mode's daemon config
                         (default /etc/cni/net.d/multus.d/daemon-config.json)
  --node-name NAME       this node (default: $MULTUS_NODE_NAME, else the host name)
  --cni-path DIRS        where plugins are looked for after binDir (default: $CNI_PATH)
  --timeout SECONDS      per API or socket request (default 5)
  --fix                  run DEL for stale cached attachments
  -o, --output FORMAT    text (default) or json
  -h, --help             this text

Example:
  $ multus doctor
  PASS  config     /etc/cni/net.d/00-multus.conf parses (thick mode, cniVersion 0.3.1)
  PASS  primary    clusterNetwork "/etc/cni/net.d/10-flannel.conflist" resolves to "cbr0" (type flannel)
  WARN  rbac       pods/status: update granted, patch not (Multus's ClusterRole): ... -> fix: add patch to the pods/status rule of the ClusterRole
  FAIL  binaries   pod default/web-0: network "default/macvlan-conf" needs "macvlan", not found in /opt/cni/bin -> fix: install the plugin into binDir /opt/cni/bin
  ...
  1 failed, 1 warnings, 9 passed, 0 skipped
`;

/** What the command line asks for. */
export interface DoctorFlags {
  config?: string;
  cniConfDir: string;
  daemonConfig: string;
  nodeName?: string;
  cniPath?: string;
  timeoutMs: number;
  fix: boolean;
  json: boolean;
}

/** Reads the command line: flags, `help`, or a usage error (exit 2). */
export function parseDoctorFlags(
  args: string[],
): { kind: "run"; flags: DoctorFlags } | { kind: "help" } | { kind: "usage"; message: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        config: { type: "string" },
        "cni-conf-dir": { type: "string", default: "/etc/cni/net.d" },
        "daemon-config": {
          type: "string",
          default: "/etc/cni/net.d/multus.d/daemon-config.json",
        },
        "node-name": { type: "string" },
        "cni-path": { type: "string" },
        timeout: { type: "string", default: "5" },
        fix: { type: "boolean", default: false },
        output: { type: "string", short: "o", default: "text" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { kind: "usage", message: err instanceof Error ? err.message : String(err) };
  }
  if (values.help) return { kind: "help" };
  if (values.output !== "text" && values.output !== "json") {
    return { kind: "usage", message: `-o: unknown format "${values.output}" (text or json)` };
  }
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    return {
      kind: "usage",
      message: `--timeout: not a positive number of seconds: "${values.timeout}"`,
    };
  }
  return {
    kind: "run",
    flags: {
      ...(values.config !== undefined ? { config: values.config } : {}),
      cniConfDir: values["cni-conf-dir"],
      daemonConfig: values["daemon-config"],
      ...(values["node-name"] !== undefined ? { nodeName: values["node-name"] } : {}),
      ...(values["cni-path"] !== undefined ? { cniPath: values["cni-path"] } : {}),
      timeoutMs: timeout * 1000,
      fix: values.fix,
      json: values.output === "json",
    },
  };
}
