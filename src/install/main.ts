/**
 * Composition root of `multus install`: parses the flags, wires the real file system
 * and runs {@linkcode install}.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { denoFs } from "../platform/fs.ts";
import { currentExecutable, denoExecutableFiles } from "../platform/self.ts";
import { processEnv } from "../platform/process.ts";
import { processStdio, type Stdio } from "../platform/stdio.ts";
import { install, installConfFile, InstallError, type InstallType } from "./install.ts";
import { SERVICE_ACCOUNT_DIR, writeThinConf, writeThinKubeconfig } from "./thin.ts";

/**
 * The flags of `multus install`, as `node:util` `parseArgs` options. Multus's
 * `install_multus` has `-t/--type` and `-d/--dest-dir`; the thin-mode flags are
 * thin_entrypoint's, with its names and defaults; `--source`, `--kubeconfig-token-file`
 * and `--service-account-dir` are ours.
 */
export const INSTALL_FLAGS = {
  type: { type: "string", short: "t" },
  "dest-dir": { type: "string", short: "d", default: "/host/opt/cni/bin" },
  source: { type: "string", short: "s" },
  "multus-conf-file": { type: "string" },
  "cni-conf-dir": { type: "string", default: "/host/etc/cni/net.d" },
  "multus-autoconfig-dir": { type: "string", default: "/host/etc/cni/net.d" },
  "multus-kubeconfig-file-host": {
    type: "string",
    default: "/etc/cni/net.d/multus.d/multus.kubeconfig",
  },
  "multus-master-cni-file-name": { type: "string", default: "" },
  "cni-version": { type: "string", default: "" },
  "force-cni-version": { type: "boolean" },
  "namespace-isolation": { type: "boolean" },
  "global-namespaces": { type: "string", default: "" },
  "multus-log-to-stderr": { type: "boolean" },
  "multus-log-level": { type: "string", default: "" },
  "multus-log-file": { type: "string", default: "" },
  "override-network-name": { type: "boolean" },
  "readiness-indicator-file": { type: "string", default: "" },
  "additional-bin-dir": { type: "string", default: "" },
  "multus-cni-conf-dir": { type: "string", default: "" },
  "skip-tls-verify": { type: "boolean" },
  "kubeconfig-token-file": { type: "string", default: "" },
  "service-account-dir": { type: "string", default: SERVICE_ACCOUNT_DIR },
  help: { type: "boolean", short: "h" },
} as const;

/** Boolean flags that, as Go flags, also take `=true` / `=false`. */
const GO_BOOLEANS = new Set(
  Object.entries(INSTALL_FLAGS).filter(([, o]) => o.type === "boolean").map(([n]) => n),
);

/**
 * Rewrites Go's `--flag=true|false` for boolean flags into what `parseArgs` takes, and
 * returns the flags set false explicitly.
 */
function goBooleans(args: string[]): { args: string[]; falses: Set<string> } {
  const out: string[] = [];
  const falses = new Set<string>();
  for (const arg of args) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (m && GO_BOOLEANS.has(m[1]!)) {
      const v = m[2]!.toLowerCase();
      if (["1", "t", "true"].includes(v)) out.push(`--${m[1]}`);
      else if (["0", "f", "false"].includes(v)) falses.add(m[1]!);
      else throw new TypeError(`invalid boolean value "${m[2]}" for flag --${m[1]}`);
      continue;
    }
    out.push(arg);
  }
  return { args: out, falses };
}

/** The text `multus install --help` prints. */
export const INSTALL_HELP = `Usage: multus install --type thick|thin [options]

Copies this executable file into the node's CNI bin dir as multus-shim (thick) or multus
(thin), plus passthru. Each file is written as a temp file in the destination dir and
renamed over the old one, so a runtime executing the old file is never disturbed.

  -t, --type thick|thin       which plugin to install (required)
  -d, --dest-dir DIR          the CNI bin dir as mounted here (default /host/opt/cni/bin)
  -s, --source FILE           the executable to copy (default: this executable)
      --multus-conf-file FILE also install this CNI config file into --cni-conf-dir;
                              "auto" (thin) generates 00-multus.conf(list) from the
                              primary config, as thin_entrypoint does
      --cni-conf-dir DIR      the CNI config dir as mounted here (default /host/etc/cni/net.d)
  -h, --help                  this text

Thin mode, run in a pod (KUBERNETES_SERVICE_HOST set), also writes the plugin's kubeconfig
to <cni-conf-dir>/multus.d/multus.kubeconfig (0600) from the pod's service account, as
thin_entrypoint does. Its flags, with thin_entrypoint's names and defaults:

      --multus-autoconfig-dir DIR        where the primary config is (/host/etc/cni/net.d)
      --multus-master-cni-file-name N    the primary's file name (default: the first)
      --multus-kubeconfig-file-host P    "kubeconfig" in the generated config
                                         (/etc/cni/net.d/multus.d/multus.kubeconfig)
      --cni-version V                    must equal the primary's (or --force-cni-version)
      --namespace-isolation, --global-namespaces NS, --multus-log-to-stderr=false,
      --multus-log-level L, --multus-log-file F, --override-network-name,
      --readiness-indicator-file F, --additional-bin-dir D, --multus-cni-conf-dir D
      --skip-tls-verify                  kubeconfig without the CA (trusts any server)
      --kubeconfig-token-file P          (ours) the token as a file on the node, read on
                                         every run, so token rotation reaches the plugin
      --service-account-dir D            (ours) default ${SERVICE_ACCOUNT_DIR}

Examples:
  # thick, as the DaemonSet's init container: multus-shim and passthru into the bin dir
  multus install --type thick --dest-dir /host/opt/cni/bin
  # thin, in a pod: multus and passthru, the kubeconfig and a generated 00-multus.conf(list)
  multus install --type thin --multus-conf-file auto
  # into another bin dir, with a CNI config file of your own
  multus install -t thick -d /mnt/cni/bin --multus-conf-file /etc/multus/00-multus.conf
`;

/** Overrides of the real effects (tests). */
export interface RunInstallOptions {
  stdio?: Stdio;
  /** The executable `--source` defaults to (else the running one). */
  self?: string | null;
  /** The environment (else the process's). */
  env?: Record<string, string | undefined>;
  /** Listings of the autoconfig dir while waiting for the primary, 1 s apart (120). */
  primaryAttempts?: number;
}

/** Runs `multus install <args>`; returns the exit code (0 ok, 1 on any error, as Multus). */
export async function runInstall(args: string[], opts: RunInstallOptions = {}): Promise<number> {
  const stdio = opts.stdio ?? processStdio;
  let values;
  let falses: Set<string>;
  try {
    let normalized: string[];
    ({ args: normalized, falses } = goBooleans(args));
    ({ values } = parseArgs({
      args: normalized,
      options: INSTALL_FLAGS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    stdio.writeStderr(`multus install: ${msg}\n${INSTALL_HELP}`);
    return 1;
  }
  if (values.help) {
    stdio.writeStdout(INSTALL_HELP);
    return 0;
  }
  if (values.type !== "thick" && values.type !== "thin") {
    stdio.writeStderr("--type is missing or --type has invalid value\n");
    return 1;
  }
  const type: InstallType = values.type;
  const source = values.source ?? (opts.self !== undefined ? opts.self : currentExecutable());
  if (!source) {
    stdio.writeStderr(
      "multus install: cannot tell which executable this is (not a deno compile'd binary " +
        "nor the dist/ launcher); pass --source\n",
    );
    return 1;
  }
  const confFile = values["multus-conf-file"];
  if (confFile === "auto" && type !== "thin") {
    stdio.writeStderr(
      "multus install: --multus-conf-file=auto is for thin mode; multus-daemon generates the " +
        "thick config itself (multusConfigFile: auto)\n",
    );
    return 1;
  }
  const out = (line: string): void => stdio.writeStdout(`${line}\n`);
  const deps = {
    files: denoExecutableFiles,
    fs: denoFs,
    out,
    now: () => Date.now(),
    tag: () => crypto.randomUUID().slice(0, 8),
  };
  const confDir = values["cni-conf-dir"];
  try {
    await install({ type, source, destDir: values["dest-dir"], confDir }, deps);
    // As thin_entrypoint: the kubeconfig before the config that names it.
    if (type === "thin") {
      const written = await writeThinKubeconfig({
        confDir,
        env: opts.env ?? processEnv.toObject(),
        serviceAccountDir: values["service-account-dir"],
        skipTlsVerify: values["skip-tls-verify"] === true,
        ...(values["kubeconfig-token-file"] ? { tokenFile: values["kubeconfig-token-file"] } : {}),
      }, { fs: denoFs });
      out(
        written
          ? `multus kubeconfig ${written} written`
          : "not in a pod (KUBERNETES_SERVICE_HOST is unset): no kubeconfig written",
      );
    }
    if (confFile === "auto") {
      await writeThinConf({
        confDir,
        autoconfigDir: values["multus-autoconfig-dir"],
        masterName: values["multus-master-cni-file-name"],
        ...(opts.primaryAttempts !== undefined ? { attempts: opts.primaryAttempts } : {}),
        options: {
          kubeconfig: values["multus-kubeconfig-file-host"],
          cniVersion: values["cni-version"],
          forceCniVersion: values["force-cni-version"] === true,
          namespaceIsolation: values["namespace-isolation"] === true,
          globalNamespaces: values["global-namespaces"],
          logToStderr: !falses.has("multus-log-to-stderr"),
          logLevel: values["multus-log-level"],
          logFile: values["multus-log-file"],
          overrideNetworkName: values["override-network-name"] === true,
          readinessindicatorfile: values["readiness-indicator-file"],
          binDir: values["additional-bin-dir"],
          confDir: values["multus-cni-conf-dir"],
        },
      }, { fs: denoFs, out });
    } else if (confFile !== undefined) {
      await installConfFile(confFile, confDir, deps);
    }
    return 0;
  } catch (err) {
    // InstallError says which file failed; anything else is still a message, not a trace.
    const msg = err instanceof InstallError
      ? err.message
      : `multus install: ${err instanceof Error ? err.message : String(err)}`;
    stdio.writeStderr(`${msg}\n`);
    return 1;
  }
}
