/**
 * Writes kubeconfig files (kubectl's format: `clusters`, `users`, `contexts`,
 * `current-context`) and in-cluster service-account directories for tests that reach the
 * Kubernetes API test double through real client code.
 *
 * @example
 * ```ts
 * const path = await writeKubeconfig(`${dir}/kubeconfig`, {
 *   server: api.url,
 *   caData: api.caPem,
 *   token: "secret",
 * });
 * ```
 * @module
 */

/** An `exec` credential plugin stanza (`client.authentication.k8s.io`). */
export interface ExecCredentialOptions {
  /** The program to run. */
  readonly command: string;
  /** Its arguments. */
  readonly args?: readonly string[] | undefined;
  /** Extra environment variables for it. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Default `client.authentication.k8s.io/v1`. */
  readonly apiVersion?: string | undefined;
  /** Default `Never` (required by v1). */
  readonly interactiveMode?: "Never" | "IfAvailable" | "Always" | undefined;
  /** Whether the plugin gets the cluster in `KUBERNETES_EXEC_INFO`. */
  readonly provideClusterInfo?: boolean | undefined;
  /** Shown by clients when the command is missing. */
  readonly installHint?: string | undefined;
}

/** What {@linkcode renderKubeconfig} writes; every credential field is optional. */
export interface KubeconfigOptions {
  /** The API server URL, e.g. the double's `url`. */
  readonly server: string;
  /** `certificate-authority`: path of the CA PEM file. */
  readonly caFile?: string | undefined;
  /** `certificate-authority-data`: the CA as PEM text (base64-encoded here). */
  readonly caData?: string | undefined;
  /** `insecure-skip-tls-verify`. */
  readonly insecureSkipTlsVerify?: boolean | undefined;
  /** `tls-server-name`. */
  readonly tlsServerName?: string | undefined;
  /** `token`. */
  readonly token?: string | undefined;
  /** `tokenFile`. */
  readonly tokenFile?: string | undefined;
  /** `client-certificate`: path of the client certificate PEM. */
  readonly clientCertFile?: string | undefined;
  /** `client-key`: path of the client key PEM. */
  readonly clientKeyFile?: string | undefined;
  /** `client-certificate-data`: the certificate as PEM text (base64-encoded here). */
  readonly clientCertData?: string | undefined;
  /** `client-key-data`: the key as PEM text (base64-encoded here). */
  readonly clientKeyData?: string | undefined;
  /** An `exec` credential plugin. */
  readonly exec?: ExecCredentialOptions | undefined;
  /** Cluster entry name (default `test-cluster`). */
  readonly clusterName?: string | undefined;
  /** User entry name (default `test-user`). */
  readonly userName?: string | undefined;
  /** Context entry name (default `test-context`). */
  readonly contextName?: string | undefined;
  /** The context's default namespace. */
  readonly namespace?: string | undefined;
  /** `yaml` (default) or `json` (kubectl reads both). */
  readonly format?: "yaml" | "json" | undefined;
}

/** Builds the kubeconfig as a plain object (kubectl's field names). */
export function kubeconfigObject(options: KubeconfigOptions): Record<string, unknown> {
  const clusterName = options.clusterName ?? "test-cluster";
  const userName = options.userName ?? "test-user";
  const contextName = options.contextName ?? "test-context";
  const cluster: Record<string, unknown> = { server: options.server };
  setIf(cluster, "certificate-authority", options.caFile);
  setIf(cluster, "certificate-authority-data", base64(options.caData));
  setIf(cluster, "insecure-skip-tls-verify", options.insecureSkipTlsVerify);
  setIf(cluster, "tls-server-name", options.tlsServerName);
  const user: Record<string, unknown> = {};
  setIf(user, "token", options.token);
  setIf(user, "tokenFile", options.tokenFile);
  setIf(user, "client-certificate", options.clientCertFile);
  setIf(user, "client-key", options.clientKeyFile);
  setIf(user, "client-certificate-data", base64(options.clientCertData));
  setIf(user, "client-key-data", base64(options.clientKeyData));
  if (options.exec) user["exec"] = execStanza(options.exec);
  const context: Record<string, unknown> = { cluster: clusterName, user: userName };
  setIf(context, "namespace", options.namespace);
  return {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [{ name: clusterName, cluster }],
    users: [{ name: userName, user }],
    contexts: [{ name: contextName, context }],
    "current-context": contextName,
  };
}

/** Renders the kubeconfig text, YAML by default or JSON with `format: "json"`. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const config = kubeconfigObject(options);
  return options.format === "json" ? JSON.stringify(config, null, 2) + "\n" : toYaml(config);
}

/** Writes the kubeconfig to `path` (mode 0600) and returns `path`. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<string> {
  await Deno.writeTextFile(path, renderKubeconfig(options), { mode: 0o600 });
  return path;
}

/** Options of {@linkcode writeInClusterConfig}. */
export interface InClusterOptions {
  /** The API server URL; its host and port become the service env vars. */
  readonly server: string;
  /** The bearer token written to `token`. */
  readonly token: string;
  /** The CA PEM written to `ca.crt`. */
  readonly caPem: string;
  /** The pod's namespace written to `namespace` (default `kube-system`). */
  readonly namespace?: string | undefined;
}

/** The files and env vars of an in-cluster service account. */
export interface InClusterConfig {
  /** The service-account directory (what pods see as `/var/run/secrets/kubernetes.io/serviceaccount`). */
  readonly dir: string;
  /** `<dir>/token`. */
  readonly tokenFile: string;
  /** `<dir>/ca.crt`. */
  readonly caFile: string;
  /** `<dir>/namespace`. */
  readonly namespaceFile: string;
  /** `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` for the server. */
  readonly env: { KUBERNETES_SERVICE_HOST: string; KUBERNETES_SERVICE_PORT: string };
}

/**
 * Writes `token`, `ca.crt` and `namespace` into `dir` (created if missing) and returns their
 * paths with the env vars an in-cluster client reads.
 */
export async function writeInClusterConfig(
  dir: string,
  options: InClusterOptions,
): Promise<InClusterConfig> {
  await Deno.mkdir(dir, { recursive: true });
  const tokenFile = `${dir}/token`;
  const caFile = `${dir}/ca.crt`;
  const namespaceFile = `${dir}/namespace`;
  await Deno.writeTextFile(tokenFile, options.token, { mode: 0o600 });
  await Deno.writeTextFile(caFile, options.caPem);
  await Deno.writeTextFile(namespaceFile, options.namespace ?? "kube-system");
  const url = new URL(options.server);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return {
    dir,
    tokenFile,
    caFile,
    namespaceFile,
    env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port },
  };
}

function execStanza(exec: ExecCredentialOptions): Record<string, unknown> {
  const stanza: Record<string, unknown> = {
    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
    command: exec.command,
  };
  if (exec.args) stanza["args"] = [...exec.args];
  if (exec.env) {
    stanza["env"] = Object.entries(exec.env).map(([name, value]) => ({ name, value }));
  }
  stanza["interactiveMode"] = exec.interactiveMode ?? "Never";
  setIf(stanza, "provideClusterInfo", exec.provideClusterInfo);
  setIf(stanza, "installHint", exec.installHint);
  return stanza;
}

function setIf(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function base64(pem: string | undefined): string | undefined {
  if (pem === undefined) return undefined;
  const bytes = new TextEncoder().encode(pem);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** A minimal block-style YAML emitter; strings are JSON-quoted (valid YAML scalars). */
function toYaml(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]\n";
    return value.map((item) => {
      const body = toYaml(item, indent + "  ");
      return isBlock(item) ? `${indent}- ${body.slice(indent.length + 2)}` : `${indent}- ${body}`;
    }).join("");
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}\n";
    return entries.map(([key, item]) => {
      const scalarOrEmpty = !isBlock(item);
      return scalarOrEmpty
        ? `${indent}${key}: ${toYaml(item, indent + "  ")}`
        : `${indent}${key}:\n${toYaml(item, indent + (Array.isArray(item) ? "" : "  "))}`;
    }).join("");
  }
  return `${JSON.stringify(value)}\n`;
}

function isBlock(value: unknown): boolean {
  return (Array.isArray(value) && value.length > 0) ||
    (isRecord(value) && Object.keys(value).length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
