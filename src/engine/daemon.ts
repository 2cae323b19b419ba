/**
 * Typed functions over the engine's thick-daemon operations: the daemon config
 * (`daemon-config.json`) with every default, the daemon's generated `00-multus.conf`
 * (auto mode) and the installer's thin config. Every failure is a
 * {@linkcode CniError} with Multus's wording where Multus has one.
 *
 * @module
 */
import { callEngine } from "./abi.ts";

/** `perNodeCertificate` with its default duration. */
export interface PerNodeCertificate {
  enabled: boolean;
  bootstrapKubeconfig: string;
  certDir: string;
  /** Go duration text (default `10m`). */
  certDuration: string;
  /** `certDuration` in seconds; null when it does not parse (only checked when enabled). */
  certDurationSeconds: number | null;
}

/** `logOptions` as given (only the keys that are set). */
export interface DaemonLogOptions {
  maxAge?: number;
  maxSize?: number;
  maxBackups?: number;
  compress?: boolean;
}

/**
 * The daemon config with every default applied (Multus's `ControllerNetConf` and
 * `MultusConf` read from the same file, plus this implementation's keys).
 */
export interface DaemonConf {
  /** Delegates are exec'd chrooted here when set (deployment: `/hostroot`). */
  chrootDir: string;
  /** Default `/run/multus/`. */
  socketDir: string;
  /** `<socketDir>/multus.sock`, cleaned as Go's `filepath.Join`. */
  socketPath: string;
  /** null: no metrics server. */
  metricsPort: number | null;
  enablePprof: boolean;
  /** Most CNI requests served at once; null: no limit. */
  connectionLimit: number | null;
  /** Requests allowed to wait for a slot before the daemon answers "try again later"
   * (default 1024, or 16 x connectionLimit when that is more). */
  maxQueuedRequests: number;
  /** How long the daemon waits at start for its own `/readyz` (default 60). */
  readyzTimeoutSeconds: number;
  /** The largest request body the socket reads (default 1 MiB). */
  maxRequestBytes: number;
  /** Time a connection has to deliver one whole request, headers and body (default 10);
   * also how long an idle kept-alive connection stays open. */
  requestTimeoutSeconds: number;
  /** Connections open at once on the socket (default maxQueuedRequests +
   * connectionLimit + 64). */
  maxConnections: number;
  logFile: string;
  /** As given; an unknown level is reported in `warnings`. */
  logLevel: string;
  /** Default false in the daemon. */
  logToStderr: boolean;
  logOptions: DaemonLogOptions | null;
  perNodeCertificate: PerNodeCertificate | null;
  /** Kubeconfig path; "" = the in-cluster service account. */
  kubeconfig: string;
  /** "" unless set; the env `MULTUS_NODE_NAME` wins. */
  nodeName: string;
  /** Top-level CNI version of the generated config ("" when unset). */
  cniVersion: string;
  /** `auto` (generate 00-multus.conf) or a file to copy into `cniConfigDir`. */
  multusConfigFile: string;
  /** `multusConfigFile === "auto"`. */
  autoConfig: boolean;
  /** Where the Multus config is written (default `/etc/cni/net.d`). */
  cniConfigDir: string;
  /** Where the primary CNI config is found (default: `cniConfigDir`). */
  multusAutoconfigDir: string;
  /** Explicit primary file name inside `multusAutoconfigDir`; "" = discover. */
  multusMasterCNI: string;
  forceCNIVersion: boolean;
  overrideNetworkName: boolean;
  readinessindicatorfile: string;
  /** Remove the installed Multus config when the daemon stops (default false). */
  cleanupOnExit: boolean;
  /**
   * Hot-plug: the daemon adds and removes a running pod's attachments when its
   * `k8s.v1.cni.cncf.io/networks` annotation changes (default false).
   */
  dynamicNetworks: boolean;
  /** Keys laid over every incoming CNI config (the raw config file, minus `dropKeys`). */
  overlay: Record<string, unknown>;
  /** Keys removed from every incoming CNI config first (auto mode: the readiness file). */
  dropKeys: string[];
  /** Problems Multus only logs (e.g. auto mode without `cniVersion`). */
  warnings: string[];
}

/**
 * Parses `daemon-config.json` and applies every default and semantic check. Type
 * validation against the published schema is `daemon/config_schema.ts`'s job; this
 * reports mistyped values in Go's words as a safety net.
 *
 * @throws {CniError} code 6 when the text is not a JSON object; code 7 listing every
 *   problem in `details` (`connection limit must be greater than 0, got 0`, ...).
 *
 * @example Usage
 * ```ts
 * import { parseDaemonConf } from "./daemon.ts";
 * const conf = parseDaemonConf('{"cniVersion":"0.3.1","connectionLimit":10}');
 * console.assert(conf.socketPath === "/run/multus/multus.sock");
 * console.assert(conf.maxQueuedRequests === 1024);
 * ```
 */
export function parseDaemonConf(text: string): DaemonConf {
  return (callEngine("daemon_conf_parse", { text }) as { conf: DaemonConf }).conf;
}

/** A primary CNI config file: its path and contents. */
export interface PrimaryConfig {
  path: string;
  text: string;
}

/** The daemon's generated `00-multus.conf`. */
export interface GeneratedMultusConf {
  /** The file's contents (compact Go-style JSON, never empty). */
  text: string;
  /** `multus-cni-network`, or the primary's name with `overrideNetworkName`. */
  name: string;
  /** Every capability written (the daemon config's own plus the primary's enabled ones). */
  capabilities: Record<string, boolean>;
  /** The primary's cleaned path. */
  clusterNetwork: string;
  cniVersion: string;
  /** With `forceCNIVersion`: the primary's new text when its version had to change. */
  primaryRewrite?: string;
}

/**
 * Generates `00-multus.conf` exactly as Multus's thick config manager does, from the
 * daemon config object (the raw file or {@linkcode DaemonConf.overlay}) and the primary.
 *
 * @throws {CniError} code 7 with Multus's messages: `cannot specify <dir>/00-multus.conf
 *   to prevent recursive config load`, `failed to load the primary CNI configuration as a
 *   multus delegate with error '...'` (an unreadable primary included), `could not
 *   override the network name: ...`; code 6 when `forceCNIVersion` meets invalid JSON.
 *
 * @example Usage
 * ```ts
 * import { generateMultusConf } from "./daemon.ts";
 * const out = generateMultusConf({ cniVersion: "0.4.0" }, {
 *   path: "/etc/cni/net.d/10-bridge.conf",
 *   text: '{"cniVersion":"0.4.0","name":"b","type":"bridge"}',
 * });
 * console.assert(out.name === "multus-cni-network");
 * ```
 */
export function generateMultusConf(
  daemon: Record<string, unknown>,
  primary: PrimaryConfig,
  opts: { autoconfigDir?: string } = {},
): GeneratedMultusConf {
  return callEngine("multus_conf_generate", { daemon, primary, ...opts }) as GeneratedMultusConf;
}

/** The installer's options (Multus thin_entrypoint's flags). */
export interface ThinConfOptions {
  /** Must equal the primary's version when given (unless `forceCniVersion`). */
  cniVersion?: string;
  /** Value of `kubeconfig` in the generated config. */
  kubeconfig: string;
  namespaceIsolation?: boolean;
  globalNamespaces?: string;
  /** Default true; false writes `"logToStderr": false`. */
  logToStderr?: boolean;
  /** debug, verbose, error or panic (any case). */
  logLevel?: string;
  logFile?: string;
  /** Additional bin dir (`binDir`). */
  binDir?: string;
  /** Multus's conf dir, written as `confDir` (thin_entrypoint writes `cniConf`, a bug). */
  confDir?: string;
  readinessindicatorfile?: string;
  overrideNetworkName?: boolean;
  /** Give the primary `cniVersion` instead of requiring equality (needs `cniVersion`). */
  forceCniVersion?: boolean;
}

/** The installer's generated config. */
export interface GeneratedThinConf {
  fileName: "00-multus.conf" | "00-multus.conflist";
  text: string;
}

/**
 * Generates the thin plugin's config as Multus's thin_entrypoint lays it out:
 * `00-multus.conf` below CNI 1.0.0, a `00-multus.conflist` wrapper from 1.0.0 on, the
 * primary (re-marshalled) as the one delegate, its capabilities copied (false values
 * included).
 *
 * @throws {CniError} code 7: `Multus cni version is "X" while master plugin cni version
 *   is "Y"`, `cannot get cniVersion in master CNI config file "<path>"`, `Log levels
 *   should be one of: ...`; code 6 when the primary is not a JSON object.
 */
export function generateThinConf(
  primary: PrimaryConfig,
  options: ThinConfOptions,
): GeneratedThinConf {
  return callEngine("thin_conf_generate", { primary, options }) as GeneratedThinConf;
}

/** What the thin plugin's kubeconfig is made of (the installer pod's service account). */
export interface ThinKubeconfigInput {
  /** `KUBERNETES_SERVICE_HOST`. */
  serviceHost: string;
  /** `KUBERNETES_SERVICE_PORT`. */
  servicePort: string;
  /** `KUBERNETES_SERVICE_PROTOCOL` (default https). */
  serviceProtocol?: string;
  /** The service account's `ca.crt` (PEM); left out with `skipTlsVerify`. */
  caPem?: string;
  /** The service account token. */
  token: string;
  /** A token file (absolute path on the node) the plugin reads on every run. */
  tokenFile?: string;
  /** `insecure-skip-tls-verify` instead of the CA (thin_entrypoint's hidden flag). */
  skipTlsVerify?: boolean;
}

/**
 * The thin plugin's kubeconfig as Multus's thin_entrypoint writes it (cluster `local`,
 * user `multus`, context `multus-context`, the CA inline), in JSON.
 *
 * @throws {CniError} code 7 naming what is missing (never quoting the token).
 *
 * @example Usage
 * ```ts
 * import { generateThinKubeconfig } from "./daemon.ts";
 * const { server } = generateThinKubeconfig({
 *   serviceHost: "10.96.0.1", servicePort: "443", token: "t", skipTlsVerify: true,
 * });
 * console.assert(server === "https://10.96.0.1:443");
 * ```
 */
export function generateThinKubeconfig(
  input: ThinKubeconfigInput,
): { text: string; server: string } {
  return callEngine("thin_kubeconfig_generate", input) as { text: string; server: string };
}
