/**
 * Typed functions over the engine's operations. Callers never see JSON envelopes or
 * pointers; every failure is a {@linkcode CniError} with the engine's CNI code and
 * libcni's wording where libcni has one.
 *
 * @module
 */
import { callEngine } from "./abi.ts";
import type { CniErrorWire } from "../cni/error.ts";
import type {
  CacheEntry,
  CniCommand,
  CniResult,
  CniVersion,
  GcAttachment,
  NetworkConfigList,
  PluginConf,
} from "../cni/types.ts";

export { ENGINE_ABI_VERSION } from "./abi.ts";

/** The answer to CNI VERSION. */
export interface VersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}

/**
 * The VERSION answer: echoes `cniVersion` when supported, else the newest version.
 *
 * @example Usage
 * ```ts
 * import { versionInfo } from "./mod.ts";
 * console.assert(versionInfo("1.0.0").supportedVersions.includes("1.1.0"));
 * ```
 */
export function versionInfo(cniVersion?: string): VersionInfo {
  return callEngine("version_info", cniVersion ? { cniVersion } : {}) as VersionInfo;
}

/**
 * Compares two CNI versions numerically as libcni's `ParseVersion` reads them (`""` is
 * 0.1.0, up to three numeric parts).
 *
 * @throws {CniError} code 6 with libcni's wording when a version does not parse.
 *
 * @example Usage
 * ```ts
 * import { compareVersions } from "./mod.ts";
 * console.assert(compareVersions("0.4.0", "1.0.0") === -1);
 * ```
 */
export function compareVersions(a: CniVersion, b: CniVersion): -1 | 0 | 1 {
  return (callEngine("version_compare", { a, b }) as { cmp: -1 | 0 | 1 }).cmp;
}

/** What the plugin skel decided about an invocation: the config's version and the config. */
export interface SkelCheck {
  /** The config's `cniVersion` ("0.1.0" when it has none). */
  cniVersion: CniVersion;
  /** The parsed stdin object. */
  config: Record<string, unknown>;
}

/**
 * Everything libcni's plugin skel decides about a non-VERSION invocation: container ID
 * and interface name (ADD, CHECK, DEL), the stdin config and its network name, the
 * command, exact version negotiation against `supportedVersions` (all seven by
 * default) and the version floors (CHECK >= 0.4.0, GC and STATUS >= 1.1.0).
 *
 * @throws {CniError} with the skel's code and message, e.g. code 1
 *   `incompatible CNI versions` or code 7 `missing network name`.
 *
 * @example Usage
 * ```ts
 * import { checkSkelInput } from "./mod.ts";
 * const { cniVersion } = checkSkelInput({
 *   command: "ADD",
 *   stdin: '{"cniVersion":"1.0.0","name":"net","type":"bridge"}',
 *   containerId: "ctr1",
 *   ifName: "eth0",
 * });
 * console.assert(cniVersion === "1.0.0");
 * ```
 */
export function checkSkelInput(opts: {
  command: CniCommand;
  stdin: string;
  containerId: string;
  ifName: string;
  supportedVersions?: readonly string[];
}): SkelCheck {
  return callEngine("skel_check", opts) as SkelCheck;
}

/**
 * libcni's checks before an ADD: the container ID, network name and interface name that
 * are given are validated (codes 3, 4 and 7 with libcni's messages).
 *
 * @throws {CniError} e.g. code 4 `interface name is too long`.
 */
export function checkAttachment(
  opts: { containerId?: string; networkName?: string; ifName?: string },
): void {
  callEngine("attachment_check", opts);
}

/** `CNI_ARGS` as ordered `[key, value]` pairs. */
export type CniArgPairs = [string, string][];

/**
 * Splits `CNI_ARGS`. `strict` (the default) is libcni's `LoadArgs`: every pair exactly
 * `K=V`, and with `known` every key known unless `IgnoreUnknown=1|true`; `lenient` is
 * Multus's own splitting on the first `=` (`A=b=c` -> `["A", "b=c"]`).
 *
 * @throws {CniError} code 4, e.g. `ARGS: invalid pair "x"` or `ARGS: unknown args ["FOO=bar"]`.
 *
 * @example Usage
 * ```ts
 * import { parseCniArgs } from "./mod.ts";
 * const pairs = parseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=demo");
 * console.assert(pairs[1]?.[1] === "demo");
 * ```
 */
export function parseCniArgs(
  args: string,
  opts: { mode?: "strict" | "lenient"; known?: readonly string[] } = {},
): CniArgPairs {
  return (callEngine("cni_args_parse", { args, ...opts }) as { pairs: CniArgPairs }).pairs;
}

/** Joins pairs into `CNI_ARGS` as libcni does: `k=v` joined by `;`. */
export function buildCniArgs(pairs: CniArgPairs): string {
  return (callEngine("cni_args_build", { pairs }) as { args: string }).args;
}

/**
 * Decodes a plugin's ADD output as libcni does: `null` is an empty result, a result
 * without `cniVersion` takes `configVersion`, then the result is checked against its
 * version's layout and normalised (unknown keys dropped, addresses in Go's form; 0.x
 * results always carry `dns`, 1.x results only a non-empty one).
 *
 * @throws {CniError} code 1 `unsupported CNI result version "X"`, or code 6 naming the
 *   malformed field and its value.
 */
export function parseResult(raw: unknown, configVersion: CniVersion): CniResult {
  return (callEngine("result_parse", { result: raw ?? null, configVersion }) as {
    result: CniResult;
  }).result;
}

/**
 * Converts a result to another version by libcni's rules (SPEC section 2): 0.2 <-> 0.4 via
 * `ip4`/`ip6` <-> `ips`, 1.x -> 0.4 derives `ips[].version`, down to 0.2 keeps the first
 * IP of each family.
 *
 * @throws {CniError} code 1, e.g. `cannot convert: no valid IP addresses`.
 *
 * @example Usage
 * ```ts
 * import { convertResult } from "./mod.ts";
 * const r = convertResult(
 *   { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] },
 *   "0.4.0",
 * );
 * console.assert(r.ips?.[0]?.version === "4");
 * ```
 */
export function convertResult(result: CniResult, toVersion: CniVersion): CniResult {
  return (callEngine("result_convert", { result, toVersion }) as { result: CniResult }).result;
}

/**
 * Loads a network configuration file's text as libcni does. `auto` (the default) reads
 * a document with a top-level `plugins` key as a list and anything else as a single
 * plugin config wrapped into a one-plugin list. `cniVersion` is the selected version
 * (the highest of `cniVersion` and `cniVersions` not newer than 1.1.0).
 *
 * A list without `plugins` comes back with none: the caller appends the
 * `<confdir>/<name>/*.conf` files, as libcni does.
 *
 * @throws {CniError} code 7 with libcni's message (`error parsing configuration list:
 *   no name`, `error parsing configuration: missing 'type'`, ...), code 6 for text
 *   that is not JSON.
 */
export function parseNetworkConfig(
  text: string,
  opts: { kind?: "auto" | "conf" | "conflist" } = {},
): NetworkConfigList {
  return (callEngine("network_config_parse", { text, ...opts }) as { list: NetworkConfigList })
    .list;
}

/**
 * The stdin libcni sends one plugin of a list for one command: the plugin object with
 * `name` and `cniVersion` injected; for ADD/DEL/CHECK `prevResult` (converted to
 * `cniVersion`, never on DEL below 0.4.0) and `runtimeConfig` (declared capabilities
 * supplied in `capabilityArgs`); for GC `cni.dev/valid-attachments` and
 * `cni.dev/attachments`. Keys are sorted at every level, as Go writes a map.
 *
 * @throws {CniError} code 7 `error parsing configuration: missing 'type'`, or a
 *   conversion error of `prevResult`.
 */
export function buildPluginConfig(opts: {
  plugin: PluginConf;
  name: string;
  cniVersion: CniVersion;
  command: Exclude<CniCommand, "VERSION">;
  prevResult?: CniResult;
  capabilityArgs?: Record<string, unknown>;
  validAttachments?: GcAttachment[];
}): string {
  return (callEngine("plugin_config", opts) as { config: string }).config;
}

/** One plugin execution of a list: the plugin binary's name and its stdin. */
export interface ListStep {
  type: string;
  config: string;
}

/**
 * What libcni executes for DEL (reverse order), CHECK, GC and STATUS of a list, with
 * the version floors and `disableCheck`/`disableGC` applied. `cachedResult` is the
 * cached ADD result; it is converted to the list's version (a DEL drops one that cannot
 * be converted and runs without `prevResult`).
 *
 * @throws {CniError} code 1 `configuration version "X" does not support the CHECK command`.
 */
export function planList(opts: {
  list: NetworkConfigList;
  command: "DEL" | "CHECK" | "GC" | "STATUS";
  cachedResult?: CniResult;
  capabilityArgs?: Record<string, unknown>;
  validAttachments?: GcAttachment[];
}): ListStep[] {
  return (callEngine("list_plan", opts) as { steps: ListStep[] }).steps;
}

/**
 * The CNI error of a failed plugin exec, as libcni's invoke builds it: the plugin's own
 * error JSON from stdout (its code kept), else `netplugin failed: "<stderr>": exit status
 * N` (code 999), else `netplugin failed but error parsing its diagnostic message ...`.
 *
 * @example Usage
 * ```ts
 * import { pluginError } from "./mod.ts";
 * const err = pluginError({ stdout: "", stderr: "boom", exitCode: 1 });
 * console.assert(err.msg === 'netplugin failed: "boom": exit status 1');
 * ```
 */
export function pluginError(
  opts: { stdout: string; stderr: string; exitCode: number | null; signal?: string },
): CniErrorWire {
  return callEngine("plugin_error", opts) as CniErrorWire;
}

/**
 * A libcni `cniCacheV1` result cache file's text (what `AddNetworkList` writes to
 * `<cacheDir>/results/<net>-<cid>-<ifname>`): `config` is the base64 of `configText`.
 */
export function encodeCacheEntry(opts: {
  containerId: string;
  ifName: string;
  networkName: string;
  netns?: string;
  configText: string;
  cniArgs?: CniArgPairs;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}): string {
  return (callEngine("cache_entry_encode", opts) as { text: string }).text;
}

/** A decoded result cache file. */
export interface DecodedCache {
  /** The entry as stored; for a legacy file its strings are empty. */
  entry: CacheEntry;
  /** The network configuration the entry was written with (decoded `config`). */
  configText?: string;
  /** The cached result, parsed and converted to `toVersion` when given. */
  result?: CniResult;
  /** Set when the file is a legacy cache: a bare result, not a `cniCacheV1` entry. */
  legacy?: true;
}

/**
 * Reads a result cache file. A file that is JSON but not `kind: "cniCacheV1"` is a
 * legacy cache holding a bare result.
 *
 * @throws {CniError} code 6 for a corrupt file; the conversion error, wrapped as
 *   `failed to convert cached result to config version "X": ...`.
 */
export function decodeCacheEntry(
  text: string,
  opts: { toVersion?: CniVersion } = {},
): DecodedCache {
  return callEngine("cache_entry_decode", { text, ...opts }) as DecodedCache;
}
