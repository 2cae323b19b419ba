/**
 * The `users[].user` part of a kubeconfig (client-go's AuthInfo) and small readers shared
 * with `kubeconfig.ts` (folder-private): client certificate, token, token file, basic
 * auth, exec and auth-provider, with client-go's validation messages.
 *
 * @module
 */
import type { Fs } from "../platform/fs.ts";
import type { PemSource, UserAuth } from "./_config.ts";

/** A parsed YAML/JSON mapping. */
export type Obj = Record<string, unknown>;

type ReadFs = Pick<Fs, "readText" | "stat">;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(o: Obj | undefined, key: string): string {
  const v = o?.[key];
  return typeof v === "string" ? v : "";
}

export function named(list: unknown, name: string, key: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const entry of list) {
    if (isObj(entry) && entry["name"] === name && isObj(entry[key])) return entry[key];
  }
  return undefined;
}

/** Decodes a kubeconfig `*-data` field (base64 of PEM text). */
export function decodeData(value: string, what: string): string {
  try {
    const bin = atob(value.replace(/\s+/g, ""));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    throw new Error(`${what} is not valid base64`);
  }
}

/** Parses kubeconfig text: JSON first, YAML (lazily loaded) when it is not JSON. */

/** The client certificate and key of `user`, if any. */
export async function userClientCert(
  user: Obj,
  name: string,
  path: (p: string) => string,
  fs: ReadFs,
): Promise<{ cert: PemSource; key: PemSource } | undefined> {
  const pick = async (
    kind: "certificate" | "key",
    label: string,
  ): Promise<PemSource | undefined> => {
    const data = str(user, `client-${kind}-data`);
    const file = str(user, `client-${kind}`);
    if (data !== "" && file !== "") {
      throw new Error(
        `${label}-data and ${label} are both specified for ${name}. ${label}-data will override.`,
      );
    }
    if (data !== "") return { pem: decodeData(data, `client-${kind}-data of user "${name}"`) };
    if (file === "") return undefined;
    const abs = path(file);
    const info = await statOrReason(fs, abs);
    if (typeof info === "string") {
      throw new Error(`unable to read ${label} ${abs} for ${name} due to ${info}`);
    }
    return { file: abs };
  };
  const cert = await pick("certificate", "client-cert");
  const key = await pick("key", "client-key");
  if (cert && !key) {
    throw new Error(
      `client-key-data or client-key must be specified for ${name} to use the clientCert authentication method.`,
    );
  }
  if (key && !cert) {
    throw new Error(
      `client-cert-data or client-cert must be specified for ${name} to use the clientCert authentication method.`,
    );
  }
  return cert && key ? { cert, key } : undefined;
}

/** True when `file` is a readable regular file, else the reason (Go style). */
export async function statOrReason(fs: ReadFs, file: string): Promise<true | string> {
  try {
    const info = await fs.stat(file);
    if (!info) return `open ${file}: no such file or directory`;
    if (info.isDirectory) return `read ${file}: is a directory`;
    return true;
  } catch (err) {
    return `open ${file}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** How `user` authenticates; throws when its methods conflict. */
export async function userAuth(
  user: Obj,
  name: string,
  path: (p: string) => string,
  fs: ReadFs,
): Promise<UserAuth> {
  const token = str(user, "token");
  const tokenFile = str(user, "tokenFile");
  const username = str(user, "username");
  const password = str(user, "password");
  const exec = user["exec"];
  const authProvider = user["auth-provider"];
  const methods: string[] = [];
  if (token !== "" || tokenFile !== "") methods.push("token");
  if (username !== "" || password !== "") methods.push("basicAuth");
  if (methods.length > 1) {
    throw new Error(
      `more than one authentication method found for ${name}; found [${
        methods.join(" ")
      }], only one is allowed`,
    );
  }
  if (isObj(exec) && isObj(authProvider)) {
    throw new Error(
      `authProvider cannot be provided in combination with an exec plugin for ${name}`,
    );
  }
  if (isObj(authProvider)) {
    const provider = str(authProvider, "name");
    const config = isObj(authProvider["config"]) ? authProvider["config"] : {};
    return { kind: "authProvider", name: provider, config };
  }
  // A static token wins over exec, as client-go's exec round tripper yields to an
  // Authorization header that is already set.
  if (tokenFile !== "") {
    const file = path(tokenFile);
    const info = await statOrReason(fs, file);
    if (typeof info === "string") {
      throw new Error(`unable to read tokenFile for ${name} due to ${info}`);
    }
    return token === ""
      ? { kind: "tokenFile", path: file }
      : { kind: "tokenFile", path: file, fallback: token };
  }
  if (token !== "") return { kind: "token", token };
  if (username !== "" || password !== "") return { kind: "basic", username, password };
  if (isObj(exec)) return execAuth(exec, name, path);
  return { kind: "none" };
}

function execAuth(exec: Obj, name: string, path: (p: string) => string): UserAuth {
  const command = str(exec, "command");
  const apiVersion = str(exec, "apiVersion");
  if (command === "") {
    throw new Error(`command must be specified for ${name} to use exec authentication plugin`);
  }
  if (apiVersion === "") {
    throw new Error(`apiVersion must be specified for ${name} to use exec authentication plugin`);
  }
  const interactiveMode = str(exec, "interactiveMode");
  if (apiVersion === "client.authentication.k8s.io/v1" && interactiveMode === "") {
    throw new Error(
      `interactiveMode must be specified for ${name} to use exec authentication plugin`,
    );
  }
  const env: { name: string; value: string }[] = [];
  if (Array.isArray(exec["env"])) {
    for (const e of exec["env"]) {
      if (!isObj(e) || str(e, "name") === "") {
        throw new Error(
          `env variable name must be specified for ${name} to use exec authentication plugin`,
        );
      }
      env.push({ name: str(e, "name"), value: str(e, "value") });
    }
  }
  const args = Array.isArray(exec["args"]) ? exec["args"].map((a) => String(a)) : [];
  return {
    kind: "exec",
    exec: {
      apiVersion,
      // client-go resolves the command against the kubeconfig's directory only when it
      // contains a path separator; a bare name is looked up on PATH.
      command: command.includes("/") ? path(command) : command,
      args,
      env,
      interactiveMode: interactiveMode === "" ? "IfAvailable" : interactiveMode,
      provideClusterInfo: exec["provideClusterInfo"] === true,
      ...(str(exec, "installHint") !== "" ? { installHint: str(exec, "installHint") } : {}),
    },
  };
}

/**
 * Loads the kubeconfig at `path` (Multus's `kubeconfig` key). Throws a {@linkcode CniError}
 * `GetK8sClient: failed to get context for the kubeconfig <path>: <reason>`.
 *
 * @example Usage
 * ```ts ignore
 * const config = await loadKubeconfig("/etc/cni/net.d/multus.d/multus.kubeconfig", { fs: denoFs });
 * ```
 */
