/**
 * The help texts of the program and of its plugin modes and `version` command, loaded
 * only when one is printed. `multus install --help` and `multus-daemon -help` are their
 * commands' own (`install/main.ts`, `daemon/usage.ts`).
 *
 * @module
 */
import type { HelpTopic } from "./command_line.ts";

const MULTUS_HELP = `Usage: multus [COMMAND] [FLAGS]

multus-deno, a Multus-compatible CNI meta-plugin: one program under four names. The name it
is run by, or a command, picks the mode.

Modes (the name of the file in the CNI bin dir):
  multus          thin plugin: kubelet's runtime execs it per pod; it reads the pod and
                  its NetworkAttachmentDefinitions from the API and runs the delegates
  multus-shim     thick plugin: forwards each CNI call to multus-daemon over its socket
  multus-daemon   the thick-mode daemon, one per node (same as: multus daemon)
  passthru        the head of an auxiliary CNI chain: answers an empty result

Commands:
  install         copy this executable into the node's CNI bin dir (an init container)
  daemon          run the thick-mode daemon: multus daemon -config FILE
  doctor          check this node's Multus: config, credentials, permissions, daemon,
                  plugins, stale caches (multus doctor --help)
  explain POD     print what a pod's ADD would do, running nothing: multus explain ns/pod
  version         print the version, commit and build kind (also: --version, -v)
  help [COMMAND]  this text, or a command's help (also: --help, -h)

A plugin run with CNI_COMMAND set, or with no arguments, is a CNI plugin: it reads the
network config on stdin and answers CNI, whatever else is on its command line.

Examples:
  multus install --type thick --dest-dir /host/opt/cni/bin
  multus-daemon -config /etc/cni/net.d/multus.d/daemon-config.json
  multus help install
  multus explain default/web-0 -o json
  echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION multus
`;

const SHIM_HELP = `Usage: multus-shim   (a CNI plugin, run by the container runtime)

The thick plugin: the runtime execs it per pod with CNI_COMMAND and the other CNI_*
variables set and the network config on stdin. It forwards the call to multus-daemon over
the unix socket in the config's daemonSocketDir (default /run/multus/), waiting up to
daemonReadyTimeoutSeconds for the daemon to be ready, and prints the daemon's result or
CNI error. A DEL never waits for the daemon: when it does not answer, the shim runs the
DEL itself from the node's caches (cniDir), so nothing is leaked. Run with no arguments
and no CNI_COMMAND, it prints the CNI versions it supports. It takes no flags but
--version and --help.

Example (as the runtime runs it):
  CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/var/run/netns/p1 CNI_IFNAME=eth0 \\
    CNI_PATH=/opt/cni/bin multus-shim < /etc/cni/net.d/00-multus.conf
`;

const PASSTHRU_HELP = `Usage: passthru   (a CNI plugin, run by the container runtime)

The head of Multus's auxiliary CNI chain: ADD answers an empty result in the config's
cniVersion ({"cniVersion":...,"interfaces":[],"ips":[],"routes":[],"dns":{}}); DEL,
CHECK, GC and STATUS succeed doing nothing. It supports CNI 0.3.0 to 1.1.0. Run with no
arguments and no CNI_COMMAND, it prints the CNI versions it supports. It takes no flags
but --version and --help.

Example:
  echo '{"cniVersion":"1.0.0","name":"aux"}' | CNI_COMMAND=VERSION passthru
`;

const VERSION_HELP = `Usage: multus version   (also: multus --version, multus -v)

Prints one line: the program's name, its version, the git commit it was built from, the
engine's ABI version and the build kind, and exits 0. It takes no flags. Every name takes
--version (multus-daemon also -version) and prints its own name first.

Example:
  $ multus --version
  multus: version:0.1.0, commit:0123abcd4567, engine-abi:1, build:compiled
`;

const TEXTS: Record<HelpTopic, string> = {
  multus: MULTUS_HELP,
  shim: SHIM_HELP,
  passthru: PASSTHRU_HELP,
  version: VERSION_HELP,
};

/**
 * The help text of `topic`: `multus` is the program's usage (its modes and commands),
 * the others that mode's or command's.
 *
 * @example
 * ```ts
 * helpText("multus").startsWith("Usage: multus"); // true
 * ```
 */
export function helpText(topic: HelpTopic): string {
  return TEXTS[topic];
}
