/**
 * The CNI wire types: results of every version, plugin configs, network configuration
 * lists, cache entries. Types only; the engine parses, validates and converts them.
 *
 * @module
 */

/** A CNI version string such as `"1.0.0"`. */
export type CniVersion = string;

/** Every version multus-deno speaks, oldest first. */
export const ALL_VERSIONS: readonly CniVersion[] = [
  "0.1.0",
  "0.2.0",
  "0.3.0",
  "0.3.1",
  "0.4.0",
  "1.0.0",
  "1.1.0",
];

/** A CNI command. */
export type CniCommand = "ADD" | "DEL" | "CHECK" | "GC" | "STATUS" | "VERSION";

/** A route of a result (1.1.0 adds mtu, advmss, priority, table, scope). */
export interface CniRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** DNS settings of a result. */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** An interface of a 0.3.0+ result (1.1.0 adds mtu, socketPath, pciID). */
export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
  socketPath?: string;
  pciID?: string;
}

/** An IP of a 0.3.0+ result; `version` exists in 0.3.x/0.4.0 only. */
export interface CniIpConfig {
  version?: "4" | "6";
  interface?: number;
  address: string;
  gateway?: string;
}

/** The `ip4`/`ip6` block of a 0.1.0/0.2.0 result. */
export interface CniIpBlock020 {
  ip: string;
  gateway?: string;
  routes?: CniRoute[];
}

/** A result of any version; which fields exist depends on `cniVersion`. */
export interface CniResult {
  cniVersion: CniVersion;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
  ip4?: CniIpBlock020;
  ip6?: CniIpBlock020;
}

/** A plugin configuration object: `type` plus whatever keys the plugin reads. */
export interface PluginConf {
  type: string;
  name?: string;
  cniVersion?: CniVersion;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/**
 * A network configuration list as libcni loads it (a single `.conf` becomes a
 * one-plugin list). `bytes` is the exact source text, kept for the result cache.
 */
export interface NetworkConfigList {
  name: string;
  cniVersion: CniVersion;
  disableCheck: boolean;
  disableGC: boolean;
  loadOnlyInlinedPlugins: boolean;
  plugins: PluginConf[];
  bytes: string;
}

/** One attachment named by GC: `{containerID, ifname}`. */
export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/** libcni's result cache entry (`kind: "cniCacheV1"`). */
export interface CacheEntry {
  kind: "cniCacheV1";
  containerId: string;
  /** Base64 of the network configuration's bytes. */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: [string, string][];
  capabilityArgs?: Record<string, unknown>;
  result?: CniResult;
}
