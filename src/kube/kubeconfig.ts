/**
 * Reading a kubeconfig file into a {@linkcode KubeConnectionConfig}: current-context ->
 * cluster + user (+ namespace), with client-go's validation rules and relative paths
 * resolved against the kubeconfig's directory.
 *
 * JSON is the fast path (`JSON.parse`), then the block-style YAML kubeconfig writers emit
 * (`kubeconfig_yaml.ts`); any other YAML is parsed with `js-yaml`, imported only then. Error messages name the file and the reason and never quote the
 * file's content (a YAML error snippet could hold a token).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { Fs } from "../platform/fs.ts";
import { type PemSource, readPemFile, type ServerTls, type UserAuth } from "./_config.ts";
import { decodeData, isObj, named, type Obj, str, userAuth, userClientCert } from "./_auth_info.ts";
import { importLazily } from "../platform/lazy_import.ts";

export type { ExecConfig, PemSource, ServerTls, UserAuth } from "./_config.ts";

/** Everything needed to reach one API server as one user. Holds secrets: never log it. */
export interface KubeConnectionConfig {
  /** For messages: `kubeconfig /path` or `in-cluster config`. */
  origin: string;
  /** The kubeconfig file, when there is one (the exotic path re-reads it). */
  kubeconfigPath?: string;
  /** Base URL without a trailing slash, e.g. `https://10.96.0.1:443`. */
  server: string;
  /** How the server is verified. */
  tls: ServerTls;
  /** mTLS client certificate and key. */
  clientCert?: { cert: PemSource; key: PemSource };
  /** How requests are authenticated. */
  auth: UserAuth;
  /** The context's namespace (in-cluster: the pod's namespace). */
  namespace?: string;
  /** Things that are not errors but deserve a log line. */
  warnings: string[];
}

/** Effects of {@linkcode loadKubeconfig}. */
export interface KubeconfigDeps {
  fs: Pick<Fs, "readText" | "stat">;
}

/** Directory part of a POSIX path (`.` for a bare name). */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : path.slice(0, slash);
}

/** `file` resolved against `dir` unless it is absolute or empty; `.` and `..` folded. */
export function resolveAgainst(dir: string, file: string): string {
  if (file === "" || file.startsWith("/")) return file;
  const joined = dir === "." ? file : `${dir}/${file}`;
  const absolute = joined.startsWith("/");
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (!absolute) out.push("..");
  }
  const path = out.join("/");
  return absolute ? `/${path}` : path || ".";
}

export async function parseKubeconfigText(text: string): Promise<Obj> {
  let doc: unknown;
  const trimmed = text.trimStart();
  let parsed = false;
  if (trimmed.startsWith("{")) {
    try {
      doc = JSON.parse(text);
      parsed = true;
    } catch {
      // may still be YAML flow style
    }
  }
  if (!parsed) {
    // Loaded only for a YAML kubeconfig: the one multus install writes is JSON.
    const { parseSimpleYaml } = await importLazily<typeof import("./kubeconfig_yaml.ts")>(
      new URL("./kubeconfig_yaml.ts", import.meta.url),
    );
    doc = parseSimpleYaml(text);
    parsed = doc !== undefined;
  }
  if (!parsed) {
    const yaml = await importLazily<typeof import("./yaml.ts")>(
      new URL("./yaml.ts", import.meta.url),
      { npm: true },
    );
    try {
      doc = yaml.parseYaml(text);
    } catch (err) {
      const e = err as { reason?: string; mark?: { line?: number; column?: number } };
      const where = e.mark
        ? `line ${(e.mark.line ?? 0) + 1}, column ${(e.mark.column ?? 0) + 1}: `
        : "";
      throw new Error(`yaml: ${where}${e.reason ?? "invalid YAML"}`);
    }
  }
  if (doc === undefined || doc === null) return {};
  if (!isObj(doc)) throw new Error("the kubeconfig is not a mapping");
  return doc;
}

/**
 * Resolves the current context of a parsed kubeconfig. `dir` is the kubeconfig's
 * directory (for relative paths). Throws a plain Error with the reason.
 */
export async function resolveKubeconfig(
  doc: Obj,
  opts: { dir: string; origin: string; fs: KubeconfigDeps["fs"] },
): Promise<KubeConnectionConfig> {
  const contextName = str(doc, "current-context");
  if (contextName === "") {
    throw new Error("invalid configuration: no current-context is set");
  }
  const context = named(doc["contexts"], contextName, "context");
  if (!context) throw new Error(`context was not found for specified context: ${contextName}`);
  const clusterName = str(context, "cluster");
  const userName = str(context, "user");
  const cluster = named(doc["clusters"], clusterName, "cluster");
  if (!cluster) {
    throw new Error(`cluster "${clusterName}" was not found for context "${contextName}"`);
  }
  const user = userName === "" ? {} : named(doc["users"], userName, "user");
  if (!user) throw new Error(`user "${userName}" was not found for context "${contextName}"`);

  const path = (p: string): string => resolveAgainst(opts.dir, p);
  const warnings: string[] = [];
  const tls = await clusterTls(cluster, clusterName, path, opts.fs);
  const clientCert = await userClientCert(user, userName, path, opts.fs);
  const auth = await userAuth(user, userName, path, opts.fs);
  let server = str(cluster, "server").trim();
  if (server === "") throw new Error(`no server found for cluster "${clusterName}"`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) server = `https://${server}`;
  try {
    new URL(server);
  } catch {
    throw new Error(`cluster "${clusterName}" has an invalid server URL "${server}"`);
  }
  if (str(cluster, "proxy-url") !== "") {
    warnings.push(`cluster "${clusterName}": proxy-url is not supported and is ignored`);
  }
  if (user["as"] !== undefined || user["as-groups"] !== undefined) {
    warnings.push(
      `user "${userName}": impersonation (as, as-groups) is not supported and is ignored`,
    );
  }
  const config: KubeConnectionConfig = {
    origin: opts.origin,
    server: server.replace(/\/+$/, ""),
    tls,
    auth,
    warnings,
  };
  if (clientCert) config.clientCert = clientCert;
  const namespace = str(context, "namespace");
  if (namespace !== "") config.namespace = namespace;
  return config;
}

async function clusterTls(
  cluster: Obj,
  name: string,
  path: (p: string) => string,
  fs: KubeconfigDeps["fs"],
): Promise<ServerTls> {
  const tls: ServerTls = { insecureSkipVerify: cluster["insecure-skip-tls-verify"] === true };
  const caData = str(cluster, "certificate-authority-data");
  const caFile = str(cluster, "certificate-authority");
  if (tls.insecureSkipVerify && (caData !== "" || caFile !== "")) {
    throw new Error(
      `cluster "${name}": specifying a root certificates file with the insecure flag is not allowed`,
    );
  }
  if (caData !== "") {
    tls.caPems = [decodeData(caData, `certificate-authority-data of cluster "${name}"`)];
  } else if (caFile !== "") {
    const file = path(caFile);
    tls.caPems = [
      await readPemFile(fs, file, `certificate-authority ${file} for cluster "${name}"`),
    ];
  }
  const serverName = str(cluster, "tls-server-name");
  if (serverName !== "") tls.serverName = serverName;
  return tls;
}

export async function loadKubeconfig(
  path: string,
  deps: KubeconfigDeps,
): Promise<KubeConnectionConfig> {
  try {
    let text: string | null;
    try {
      text = await deps.fs.readText(path);
    } catch (err) {
      throw new Error(`open ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (text === null) throw new Error(`stat ${path}: no such file or directory`);
    let doc: Obj;
    try {
      doc = await parseKubeconfigText(text);
    } catch (err) {
      throw new Error(`error loading config file "${path}": ${(err as Error).message}`);
    }
    const config = await resolveKubeconfig(doc, {
      dir: dirOf(path),
      origin: `kubeconfig ${path}`,
      fs: deps.fs,
    });
    config.kubeconfigPath = path;
    return config;
  } catch (err) {
    throw new CniError(
      CniCode.Internal,
      `GetK8sClient: failed to get context for the kubeconfig ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
