/**
 * Check 1: the Multus config the runtime uses (by default the first config file in the
 * CNI config dir, as the runtime picks it) is Multus's, parses as Multus parses it and
 * names a cluster network that resolves (a file, a directory or a NAD). In thick mode
 * the daemon's config is laid over it, as the daemon does per request.
 *
 * @module
 */
import { type DaemonConf, parseDaemonConf } from "../engine/daemon.ts";
import { type DelegateConf, type MultusConf, parseMultusConf } from "../engine/multus.ts";
import type { Fs } from "../platform/fs.ts";
import { type Finding, finding, messageOf } from "./report.ts";

/** Where the configs are. */
export interface ConfigLocations {
  /** `--config`: the Multus config; undefined = the first config in `cniConfDir`. */
  configPath?: string;
  /** `--cni-conf-dir` (default `/etc/cni/net.d`). */
  cniConfDir: string;
  /** `--daemon-config`: read in thick mode (`type: multus-shim`). */
  daemonConfigPath: string;
}

/** The config as the node's Multus runs it. */
export interface LoadedConfig {
  path: string;
  conf: MultusConf;
  /** The text a CNI call gets on stdin (the Multus plugin's, a conflist's first plugin). */
  text: string;
  thick: boolean;
  /** The daemon's config (thick mode, when readable). */
  daemon: DaemonConf | null;
}

const CONF_EXTENSIONS = [".conf", ".conflist", ".json"];
const MULTUS_TYPES = ["multus", "multus-shim"];

/** A conflist's first plugin with the list's `cniVersion` and `name`, or the conf itself. */
function pluginText(raw: Record<string, unknown>): Record<string, unknown> {
  const plugins = raw["plugins"];
  if (!Array.isArray(plugins)) return raw;
  const first = (plugins[0] ?? {}) as Record<string, unknown>;
  return { ...first, cniVersion: raw["cniVersion"], name: raw["name"] };
}

/**
 * Reads and parses the Multus config (and in thick mode the daemon config); `loaded` is
 * null when it cannot be used.
 */
export async function readMultusConfig(
  where: ConfigLocations,
  fs: Pick<Fs, "readText" | "list">,
): Promise<{ findings: Finding[]; loaded: LoadedConfig | null }> {
  let path = where.configPath;
  if (path === undefined) {
    const names = (await fs.list(where.cniConfDir)) ?? [];
    const first = names.find((n) => CONF_EXTENSIONS.some((e) => n.endsWith(e)));
    if (first === undefined) {
      return {
        findings: [finding(
          "config",
          "fail",
          `no CNI config in ${where.cniConfDir}`,
          "start multus-daemon (it writes 00-multus.conf) or install one; or pass --config FILE",
        )],
        loaded: null,
      };
    }
    path = `${where.cniConfDir}/${first}`;
  }
  const text = await fs.readText(path).catch((err) => {
    throw new Error(`cannot read ${path}: ${messageOf(err)}`);
  });
  if (text === null) {
    return {
      findings: [finding("config", "fail", `${path}: no such file`, "pass --config FILE")],
      loaded: null,
    };
  }
  let raw: Record<string, unknown>;
  try {
    raw = pluginText(JSON.parse(text) as Record<string, unknown>);
  } catch (err) {
    return {
      findings: [
        finding("config", "fail", `${path} is not JSON: ${messageOf(err)}`, "fix the file"),
      ],
      loaded: null,
    };
  }
  const type = String(raw["type"] ?? "");
  if (!MULTUS_TYPES.includes(type)) {
    return {
      findings: [finding(
        "config",
        "fail",
        `${path} is the runtime's first config but its type is ${
          JSON.stringify(type)
        }, not multus or multus-shim: Multus does not run`,
        "let multus-daemon write 00-multus.conf (check cniConfigDir), or name it to sort first",
      )],
      loaded: null,
    };
  }
  const thick = type === "multus-shim";
  const findings: Finding[] = [];
  let daemon: DaemonConf | null = null;
  if (thick) {
    const daemonText = await fs.readText(where.daemonConfigPath).catch(() => null);
    if (daemonText === null) {
      findings.push(finding(
        "config",
        "warn",
        `thick mode, but the daemon config ${where.daemonConfigPath} cannot be read: checking the shim's config alone`,
        "pass --daemon-config FILE (the daemonset mounts it at /etc/cni/net.d/multus.d/daemon-config.json)",
      ));
    } else {
      try {
        daemon = parseDaemonConf(daemonText);
      } catch (err) {
        findings.push(finding(
          "config",
          "fail",
          `daemon config ${where.daemonConfigPath}: ${messageOf(err)}`,
          "fix the daemon config (multus-daemon refuses to start with it)",
        ));
      }
    }
  }
  const stdin = JSON.stringify(raw);
  try {
    const conf = parseMultusConf(
      stdin,
      daemon ? { overlay: daemon.overlay, dropKeys: daemon.dropKeys } : {},
    );
    findings.push(finding(
      "config",
      "pass",
      `${path} parses (${thick ? "thick" : "thin"} mode, cniVersion ${conf.cniVersion})`,
    ));
    return { findings, loaded: { path, conf, text: stdin, thick, daemon } };
  } catch (err) {
    findings.push(finding("config", "fail", `${path}: ${messageOf(err)}`, "fix the Multus config"));
    return { findings, loaded: null };
  }
}

/**
 * Resolves the cluster network (or the static `delegates`) with `resolve` (the plugin's
 * own resolution: `clusterDelegates`); the delegates are returned for the binaries check.
 */
export async function checkPrimary(
  loaded: LoadedConfig,
  resolve: (conf: MultusConf) => Promise<DelegateConf[]>,
): Promise<{ findings: Finding[]; delegates: DelegateConf[] }> {
  const { conf } = loaded;
  const what = conf.clusterNetwork
    ? `clusterNetwork ${JSON.stringify(conf.clusterNetwork)}`
    : "the static delegates";
  try {
    const delegates = await resolve(conf);
    const master = delegates[0];
    return {
      findings: [finding(
        "primary",
        "pass",
        `${what} resolves to ${master ? `"${master.name}" (type ${master.type})` : "nothing"}`,
      )],
      delegates,
    };
  } catch (err) {
    return {
      findings: [finding(
        "primary",
        "fail",
        `${what} does not resolve: ${messageOf(err)}`,
        "point clusterNetwork at the primary CNI's config file, its directory or a NAD in multusNamespace",
      )],
      delegates: [],
    };
  }
}
