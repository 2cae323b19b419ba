/**
 * Typed functions over the engine's Multus operations: the Multus CNI config, the
 * network-selection annotations, NAD -> delegate config, the delegate plan, the scratch
 * cache, default-route edits and the network-status annotation. Every failure is a
 * {@linkcode CniError} with Multus's wording where Multus has one.
 *
 * @module
 */
import { callEngine } from "./abi.ts";
import type { CniArgPairs } from "./mod.ts";
import type { CniResult, CniVersion, NetworkConfigList } from "../cni/types.ts";

/** A port mapping request (kubelet `portMappings`, annotation `portMappings`). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
}

/** A bandwidth request. */
export interface Bandwidth {
  ingressRate: number;
  ingressBurst: number;
  egressRate: number;
  egressBurst: number;
}

/** The runtime config a runtime hands Multus (and Multus hands delegates). */
export interface RuntimeConfig {
  portMappings?: PortMapping[];
  bandwidth?: Bandwidth;
  ips?: string[];
  mac?: string;
  infinibandGUID?: string;
  deviceID?: string;
  CNIDeviceInfoFile?: string;
}

/** lumberjack rotation options (`logOptions`). */
export interface MultusLogOptions {
  maxAge?: number;
  maxSize?: number;
  maxBackups?: number;
  compress?: boolean;
}

/**
 * One element of `k8s.v1.cni.cncf.io/networks` (or of the default-network
 * annotation), validated, with `namespace` resolved and `interfaceRequest` folded into
 * `interface`.
 */
export interface NetworkSelection {
  name: string;
  namespace: string;
  interface?: string;
  ips?: string[];
  mac?: string;
  infinibandGuid?: string;
  portMappings?: PortMapping[];
  bandwidth?: Bandwidth;
  cniArgs?: Record<string, unknown>;
  /** `default-route` gateways; present (possibly empty) only when requested. */
  defaultRoute?: string[];
  deviceID?: string;
}

/**
 * A delegate as Multus's `DelegateNetConf`: its exact config bytes (after deviceID and
 * cni-args injection) and the per-attachment requests from the annotation.
 */
export interface DelegateConf {
  /** Name in network-status and events: `<ns>/<nad>` for NADs, else the config's name. */
  name: string;
  /** The `name` inside the CNI config (libcni cache file names use it). */
  confName: string;
  /** `type` of a single conf, or of the first plugin of a conflist. */
  type: string;
  isConflist: boolean;
  /** The exact delegate JSON text. */
  bytes: string;
  ifnameRequest?: string;
  macRequest?: string;
  ipRequest?: string[];
  infinibandGUIDRequest?: string;
  portMappingsRequest?: PortMapping[];
  bandwidthRequest?: Bandwidth;
  gatewayRequest?: string[];
  deviceID?: string;
  resourceName?: string;
}

/** The Multus CNI config with every default applied (Multus `LoadNetConf`). */
export interface MultusConf {
  cniVersion: CniVersion;
  name: string;
  type: string;
  kubeconfig: string;
  clusterNetwork: string;
  defaultNetworks: string[];
  /** The static `delegates` (first = master); empty in clusterNetwork mode. */
  delegates: DelegateConf[];
  confDir: string;
  cniDir: string;
  binDir: string;
  systemNamespaces: string[];
  multusNamespace: string;
  namespaceIsolation: boolean;
  /** `globalNamespaces` split and trimmed; `["default"]` when unset. */
  globalNamespaces: string[];
  readinessindicatorfile: string;
  logFile: string;
  logLevel: string;
  logToStderr: boolean;
  logOptions?: MultusLogOptions;
  auxiliaryCNIChainName: string;
  retryDeleteOnError: boolean;
  runtimeConfig: RuntimeConfig;
  capabilities: Record<string, boolean>;
  /** Thick mode: where the shim finds the daemon's socket (default `/run/multus/`). */
  daemonSocketDir: string;
  /** Problems that do not stop Multus (e.g. an unknown `logLevel`), worded for a log. */
  warnings: string[];
}

/**
 * Parses and validates the Multus CNI config (stdin). `overlay` keys (the thick
 * daemon's config) replace the config's own before parsing; `dropKeys` are removed.
 *
 * @throws {CniError} code 7 listing every problem in `details`; `msg` is Multus's wording
 *   of the first (e.g. `LoadNetConf: at least one delegate/clusterNetwork must be specified`).
 */
export function parseMultusConf(
  text: string,
  opts: { overlay?: Record<string, unknown>; dropKeys?: string[] } = {},
): MultusConf {
  return (callEngine("multus_conf_parse", { text, ...opts }) as { conf: MultusConf }).conf;
}

/**
 * Loads a delegate config (Multus `LoadDelegateNetConf`): a conf (has `type`) or a
 * conflist (has `plugins`); injects `deviceID` + `pciBusID` and the element's
 * `cni-args` into `args.cni` (of every plugin of a conflist); copies the element's
 * requests. `name` is `<namespace>/<name>` when an element names a NAD.
 */
export function loadDelegate(
  configText: string,
  opts: { element?: NetworkSelection; deviceID?: string; resourceName?: string } = {},
): DelegateConf {
  return (callEngine("delegate_load", { configText, ...opts }) as { delegate: DelegateConf })
    .delegate;
}

/**
 * Parses `k8s.v1.cni.cncf.io/networks` (text or JSON form) with Multus's grammar and
 * messages. An empty annotation yields no elements.
 */
export function parseNetworkSelections(
  annotation: string,
  opts: { defaultNamespace: string },
): NetworkSelection[] {
  return (callEngine("network_selections_parse", { annotation, ...opts }) as {
    elements: NetworkSelection[];
  }).elements;
}

/**
 * Parses `v1.multus-cni.io/default-network`: exactly one element, namespace defaulting
 * to `multusNamespace`.
 */
export function parseDefaultNetworkAnnotation(
  annotation: string,
  opts: { multusNamespace: string },
): NetworkSelection {
  return (callEngine("default_network_parse", { annotation, ...opts }) as {
    element: NetworkSelection;
  }).element;
}

/**
 * Which NADs a pod's annotations name, in order, after the namespace-isolation check
 * (Multus `GetNetworkDelegates`' permission test).
 */
export function podNetworkRequests(opts: {
  conf: MultusConf;
  podNamespace: string;
  annotations: Record<string, string>;
}): { defaultNetwork?: NetworkSelection; networks: NetworkSelection[] } {
  return callEngine("pod_network_requests", opts) as {
    defaultNetwork?: NetworkSelection;
    networks: NetworkSelection[];
  };
}

/**
 * A NAD's CNI config (nad-client `GetCNIConfig`): `spec.config` with `name` injected
 * when missing, or `fromFile` when the spec is empty (look it up in `confDir` by the NAD
 * name). `resourceName` is the NAD's `k8s.v1.cni.cncf.io/resourceName` annotation.
 */
export function nadConfig(
  nad: unknown,
): { configText: string; resourceName?: string } | {
  fromFile: true;
  nadName: string;
  resourceName?: string;
} {
  return callEngine("nad_config", { nad }) as
    | { configText: string; resourceName?: string }
    | { fromFile: true; nadName: string; resourceName?: string };
}

/**
 * Finds the config named `name` among a directory's files (nad-client
 * `GetCNIConfigFromFile`): `.conf`, `.json`, `.conflist` in lexical order, the first
 * whose CNI `name` matches (`name` "" matches the first file). Every file before the
 * match must parse. `mode: "file"` is Multus's single-file path (`clusterNetwork` naming
 * a `.conf`), with its own wording (`error loading CNI config file X: no 'type'; perhaps
 * this is supposed to be a .conflist?`).
 *
 * File names are joined to `dir` (in file mode an absolute name is used as it is). For a
 * NAD with an empty spec the caller puts nad-client's `GetCNIConfig: err in
 * GetCNIConfigFromFile: ` in front of the error message.
 */
export function lookupConfFile(
  name: string,
  opts: { dir: string; files: Array<{ name: string; text: string }>; mode?: "dir" | "file" },
): { file: string; configText: string } {
  return callEngine("conf_file_lookup", { name, ...opts }) as { file: string; configText: string };
}

/** The Kubernetes values of `CNI_ARGS` (Multus `GetK8sArgs`). */
export interface K8sArgs {
  podNamespace: string;
  podName: string;
  podUid: string;
  infraContainerId: string;
}

/** Parses `CNI_ARGS` into {@linkcode K8sArgs} (libcni `LoadArgs` rules). */
export function parseK8sArgs(cniArgs: string): K8sArgs {
  return (callEngine("k8s_args_parse", { cniArgs }) as { args: K8sArgs }).args;
}

/** What to run for one delegate. */
export interface PlannedDelegate {
  /** Index in the delegate list (interface names `net<index>` come from it). */
  index: number;
  name: string;
  isMaster: boolean;
  /** Whether the delegate is a conflist (Multus words its errors differently). */
  isConflist: boolean;
  ifName: string;
  /** The delegate parsed as a list (a conf is a one-plugin list), cniVersion filled in. */
  list: NetworkConfigList;
  containerId: string;
  netns: string;
  /** `CNI_ARGS` pairs for this delegate. */
  args: CniArgPairs;
  /** Capability args (the delegate's `runtimeConfig` source). */
  capabilityArgs: Record<string, unknown>;
  /** Default-route handling; absent when no delegate asked for `default-route`. */
  defaultRoute?: { filterV4: boolean; filterV6: boolean; gateways: string[] };
  /** `CNIDeviceInfoFile`, when a device ID is known. */
  deviceInfoFile?: string;
  resourceName?: string;
  deviceID?: string;
}

/** A problem of a plan made with `collect` (`index`: the delegate's; absent: the pod's). */
export interface PlanProblem {
  code: number;
  msg: string;
  details?: string;
  index?: number;
}

/** The plan for a pod: delegates in execution order plus the scratch cache to write. */
export interface PodNetworkPlan {
  delegates: PlannedDelegate[];
  /** Multus's `<cniDir>/<containerID>` JSON (the DelegateNetConf list). */
  scratchCache: string;
  /** With `collect`: every problem the command would meet, in order (else absent). */
  problems?: PlanProblem[];
}

/**
 * The delegate plan (Multus `CmdAdd` steps 9-10 and `CreateCNIRuntimeConf`): order,
 * interface names, per-delegate `CNI_ARGS` and capability args, default-route filters
 * (the ECMP check), and the scratch cache. `delegates` is the final ordered list
 * (master first).
 *
 * A delegate without `cniVersion` takes `conf.cniVersion` on every command (its `list`,
 * `list.bytes` and the scratch cache's `Bytes` carry it). The master gets
 * `conf.runtimeConfig`; a secondary only its own requests (NPWG section 7.5). `command`
 * decides what can fail: ADD and CHECK check every interface name (valid and unique)
 * and the ECMP rule, and ADD adds and validates `MAC`/`IP` in `CNI_ARGS`; DEL never fails
 * on a request (no name checks, no `MAC`/`IP`, and an ECMP conflict or a bad gateway
 * only drops `defaultRoute`), so DEL and CHECK callers must pass their command.
 *
 * @throws {CniError} code 7: `multus does not support ECMP for default-route`, duplicate
 *   or invalid requested interface names, `DelegateAdd: failed to parse mac address "x"`
 *   (or `IP address`), a delegate config that does not parse; code 4: an invalid `ifName`.
 */
export function planPodNetworks(opts: {
  conf: MultusConf;
  containerId: string;
  netns: string;
  ifName: string;
  cniArgs: string;
  k8sArgs: K8sArgs;
  delegates: DelegateConf[];
  /** Which command the plan is for (MAC/IP args are added for ADD only); default ADD. */
  command?: "ADD" | "DEL" | "CHECK";
  /**
   * Treat every delegate as a secondary (its own requests become its capability args;
   * no master): the daemon's `/delegate` API, which attaches one extra network.
   */
  secondaryOnly?: boolean;
  /**
   * Each `CNI_ARGS` key once (the daemon, as Go Multus's daemon sends): a runtime pair
   * whose key is set only fills an empty value, and a `MAC`/`IP` request replaces one.
   * Off, the runtime's pairs are appended after Multus's as the thin plugin does.
   */
  uniqueArgs?: boolean;
  /**
   * List every problem in `problems` instead of throwing the first (`multus explain`); a
   * delegate that cannot be planned is left out of `delegates` (each keeps its `index`).
   */
  collect?: boolean;
}): PodNetworkPlan {
  return callEngine("pod_network_plan", opts) as PodNetworkPlan;
}

/**
 * Reads Multus's scratch cache (`<cniDir>/<containerID>`), written by us or by Go
 * Multus; the first delegate is the master. As in Go Multus's DEL, `Bytes` is the config
 * and a delegate is a conflist when `ConfList.plugins` is not empty.
 *
 * @throws {CniError} code 6 when the file cannot be decoded.
 */
export function decodeScratchCache(text: string): DelegateConf[] {
  return (callEngine("scratch_cache_decode", { text }) as { delegates: DelegateConf[] }).delegates;
}

/** What to do about default routes after one delegate's ADD. */
export interface DefaultRouteActions {
  /** Remove IPv4 / IPv6 default routes on the interface. */
  deleteV4: boolean;
  deleteV6: boolean;
  /** Gateways to add as default routes on the interface. */
  add: string[];
}

/**
 * Multus's default-route decision for one delegate given its result; null when
 * nothing is to be done (no default-route anywhere, or an empty result).
 */
export function defaultRouteActions(opts: {
  delegate: PlannedDelegate;
  result: CniResult;
}): DefaultRouteActions | null {
  return (callEngine("default_route_actions", opts) as { actions: DefaultRouteActions | null })
    .actions;
}

/**
 * Rewrites a libcni cache file's result for default-route changes (Multus
 * `DeleteDefaultGWCache` / `AddDefaultGWCache`): every default route of a flagged family
 * goes (`::/0` as well as `::0/0`), IPv6 gateways are added as `::/0`, and the text comes
 * back unchanged when there is nothing to do.
 *
 * @throws {CniError} code 1 `not supported version: <v>`; code 6 for a malformed file,
 *   in Multus's words (`cannot get result from cache`, `wrong routes format: ...`).
 */
export function editCachedDefaultRoutes(
  cacheText: string,
  actions: DefaultRouteActions,
): string {
  return (callEngine("cache_default_routes_edit", { cacheText, ...actions }) as { text: string })
    .text;
}

/** One attachment's contribution to network-status. */
export interface StatusInput {
  name: string;
  isDefault: boolean;
  ifName: string;
  result: CniResult;
  deviceInfo?: Record<string, unknown>;
}

/** An event to record on the pod. */
export interface PodEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * network-status entries (nad-client `CreateNetworkStatuses`), the annotation value in
 * the client library's wire format, and the `AddedInterface` events. A default route
 * without a gateway adds nothing to `gateway` (Go writes `"<nil>"`); a `deviceInfo` Go
 * could not decode is left out, as Multus leaves it out.
 */
export function buildNetworkStatus(entries: StatusInput[]): {
  statuses: Array<Record<string, unknown>>;
  annotation: string;
  events: PodEvent[];
} {
  return callEngine("network_status", { entries }) as {
    statuses: Array<Record<string, unknown>>;
    annotation: string;
    events: PodEvent[];
  };
}

/** Multus's result for a pod that no longer exists at ADD time. */
export function emptyResult(
  opts: { cniVersion: CniVersion; ifName: string; netns: string },
): CniResult {
  return (callEngine("empty_result", opts) as { result: CniResult }).result;
}

/**
 * libcni's "safe subdirectory" chaining (Multus `loadSubdirectoryChain`): the plugins of
 * `<dir(conflist)>/<list name>/*.conf` are appended to a conflist's `plugins` unless it
 * sets `loadOnlyInlinedPlugins`. Give either the conflist `text` or an auxiliary chain
 * (`{cniVersion, name}` -> `{"cniVersion","name","plugins":[{"type":"passthru","name":"passthru-cni"}]}`).
 * Returns the lossless conflist text and the plugin count.
 *
 * @throws {CniError} `invalid network config name: X`, `no plugin configs found`, or a
 *   plugin file's parse error naming the file.
 */
export function chainConflist(opts: {
  text?: string;
  auxChain?: { cniVersion: CniVersion; name: string };
  extraPlugins: Array<{ name: string; text: string }>;
}): { configText: string; name: string; pluginCount: number } {
  return callEngine("conflist_chain", opts) as {
    configText: string;
    name: string;
    pluginCount: number;
  };
}
