/**
 * The usage text of `multus-daemon` (`multus daemon`), loaded only when it is printed:
 * for `-h`/`-help`, and on stderr after a bad command line.
 *
 * @module
 */
import { DAEMON_FLAGS } from "./flags.ts";

/** What each flag does, in Multus's words where it has the flag. */
const FLAG_USAGE: Record<keyof typeof DAEMON_FLAGS, string> = {
  config: "Specify the path to the multus-daemon configuration",
  probe: "ask the running daemon's `endpoint` (readyz or healthz) over its socket: " +
    "exit 0 on 200, else 1",
  version: "Show version",
};

/** One flag as Go's `flag.PrintDefaults` prints it (a `word` in backquotes names the value). */
function flagLines(name: keyof typeof DAEMON_FLAGS): string {
  const flag = DAEMON_FLAGS[name];
  let usage = FLAG_USAGE[name];
  let head = `  -${name}`;
  if (flag.kind === "string") {
    const quoted = /`([^`]*)`/.exec(usage);
    head += ` ${quoted ? quoted[1] : "string"}`;
    if (quoted) usage = usage.replace(quoted[0], quoted[1]!);
    if (flag.default !== "") usage += ` (default ${JSON.stringify(flag.default)})`;
  }
  return `${head}\n    \t${usage}\n`;
}

/**
 * The daemon's usage: Go's `flag` layout (`Usage of multus-daemon:`, then each flag in
 * name order with its default), then what the daemon does and examples.
 *
 * @example
 * ```ts
 * daemonUsage("multus-daemon").split("\n")[0]; // "Usage of multus-daemon:"
 * ```
 */
export function daemonUsage(program: string): string {
  const names = (Object.keys(DAEMON_FLAGS) as Array<keyof typeof DAEMON_FLAGS>).sort();
  return `Usage of ${program}:\n${names.map(flagLines).join("")}
Flags take one or two dashes: -config FILE, --config=FILE.

The thick-mode daemon, one per node: it reads the daemon config, watches the node's pods
and every NetworkAttachmentDefinition, serves the CNI calls multus-shim forwards on the
unix socket in the config's socketDir (default /run/multus), runs the delegates, writes
each pod's network-status, and generates the Multus CNI config when the daemon config has
"multusConfigFile": "auto". Metrics are served on metricsPort when it is set.

Examples:
  multus-daemon -config /etc/cni/net.d/multus.d/daemon-config.json
  multus daemon --config=/etc/multus/daemon-config.json
  multus-daemon -probe readyz     # in a readiness probe: exit 0 when ready
`;
}
