/**
 * What Multus's thin_entrypoint does besides copying files, for `multus install --type
 * thin`: the plugin's kubeconfig from the installer pod's service account, and
 * (`--multus-conf-file auto`) `00-multus.conf` or `00-multus.conflist` generated from the
 * node's primary CNI config. The layouts come from the engine (`generateThinKubeconfig`,
 * `generateThinConf`); this module reads the inputs and writes the files atomically.
 *
 * @module
 */
import type { Clock } from "../platform/clock.ts";
import type { Fs } from "../platform/fs.ts";
import {
  generateThinConf,
  generateThinKubeconfig,
  type ThinConfOptions,
} from "../engine/daemon.ts";
import { findPrimaryConfig } from "../multus/primary_config.ts";
import { describeError, InstallError } from "./install.ts";

/** Where the kubeconfig goes inside `--cni-conf-dir` (as thin_entrypoint). */
export const KUBECONFIG_SUBPATH = "multus.d/multus.kubeconfig";

/** The pod's service-account mount. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How to write the kubeconfig. */
export interface ThinKubeconfigOptions {
  /** The CNI config dir as mounted here; the file goes to `<confDir>/multus.d/`. */
  confDir: string;
  /** The installer's environment (`KUBERNETES_SERVICE_HOST`, `_PORT`, `_PROTOCOL`). */
  env: Record<string, string | undefined>;
  /** Where the token and `ca.crt` are (default the pod's service-account mount). */
  serviceAccountDir?: string;
  /** `insecure-skip-tls-verify` instead of the CA. */
  skipTlsVerify?: boolean;
  /** A token file on the node that the plugin reads on every run (ours). */
  tokenFile?: string;
}

/**
 * Writes `<confDir>/multus.d/multus.kubeconfig` (0600, its directory 0700, temp file and
 * rename) from the service account, as thin_entrypoint does; returns its path, or null
 * when this is not a pod (no `KUBERNETES_SERVICE_HOST`): then there is nothing to write
 * it from. Messages never hold the token.
 *
 * @throws {InstallError} when the service account cannot be read or the file written.
 */
export async function writeThinKubeconfig(
  opts: ThinKubeconfigOptions,
  deps: { fs: Pick<Fs, "readText" | "writeAtomic" | "mkdirp"> },
): Promise<string | null> {
  const host = opts.env.KUBERNETES_SERVICE_HOST ?? "";
  if (host === "") return null;
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const read = async (name: string): Promise<string> => {
    let text: string | null;
    try {
      text = await deps.fs.readText(`${saDir}/${name}`);
    } catch (err) {
      throw new InstallError(
        `failed to create multus kubeconfig: cannot read ${saDir}/${name}: ${describeError(err)}`,
      );
    }
    if (text === null) {
      throw new InstallError(
        `failed to create multus kubeconfig: ${saDir}/${name} does not exist (is the service account token mounted?)`,
      );
    }
    return text;
  };
  const token = await read("token");
  const caPem = opts.skipTlsVerify ? undefined : await read("ca.crt");
  let text: string;
  try {
    ({ text } = generateThinKubeconfig({
      serviceHost: host,
      servicePort: opts.env.KUBERNETES_SERVICE_PORT ?? "",
      ...(opts.env.KUBERNETES_SERVICE_PROTOCOL
        ? { serviceProtocol: opts.env.KUBERNETES_SERVICE_PROTOCOL }
        : {}),
      ...(caPem !== undefined ? { caPem } : {}),
      token,
      ...(opts.tokenFile ? { tokenFile: opts.tokenFile } : {}),
      ...(opts.skipTlsVerify ? { skipTlsVerify: true } : {}),
    }));
  } catch (err) {
    throw new InstallError(`failed to create multus kubeconfig: ${describeError(err)}`);
  }
  const path = `${opts.confDir}/${KUBECONFIG_SUBPATH}`;
  try {
    await deps.fs.mkdirp(path.slice(0, path.lastIndexOf("/")), 0o700);
    await deps.fs.writeAtomic(path, text, { mode: 0o600 });
  } catch (err) {
    throw new InstallError(
      `failed to create multus kubeconfig: cannot write ${path}: ${describeError(err)}`,
    );
  }
  return path;
}

/** How to generate the config. */
export interface ThinConfWriteOptions {
  /** Where the config goes (the CNI config dir as mounted here). */
  confDir: string;
  /** Where the primary config is looked for (`--multus-autoconfig-dir`). */
  autoconfigDir: string;
  /** `--multus-master-cni-file-name`: the primary's file name ("" = the first one). */
  masterName?: string;
  /** thin_entrypoint's config flags. */
  options: ThinConfOptions;
  /** Listings of `autoconfigDir` before giving up, 1 s apart (default 120). */
  attempts?: number;
}

/**
 * Waits for the primary CNI config, generates Multus's config from it and writes it to
 * `confDir` (0644, temp file and rename); a config of the other kind (`.conf` vs
 * `.conflist`) left by an earlier version is removed, since the runtime would load it
 * first. Returns the written path.
 *
 * @throws {InstallError} `cannot find valid master CNI config in "<dir>"`, or the
 *   engine's message (`Multus cni version is ... while master plugin cni version is ...`).
 */
export async function writeThinConf(
  opts: ThinConfWriteOptions,
  deps: { fs: Fs; clock?: Clock; out(line: string): void },
): Promise<string> {
  let primary: string;
  try {
    primary = await findPrimaryConfig(opts.autoconfigDir, {
      fs: deps.fs,
      ...(opts.masterName ? { masterName: opts.masterName } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
    });
  } catch {
    throw new InstallError(`cannot find valid master CNI config in "${opts.autoconfigDir}"`);
  }
  const text = await deps.fs.readText(primary);
  if (text === null) {
    throw new InstallError(`cannot read master CNI config ${primary}: it vanished`);
  }
  let generated;
  try {
    generated = generateThinConf({ path: primary, text }, opts.options);
  } catch (err) {
    throw new InstallError(`failed to create multus config: ${describeError(err)}`);
  }
  const path = `${opts.confDir}/${generated.fileName}`;
  try {
    await deps.fs.writeAtomic(path, generated.text, { mode: 0o644 });
  } catch (err) {
    throw new InstallError(
      `failed to create multus config: cannot write ${path}: ${describeError(err)}`,
    );
  }
  const other = generated.fileName === "00-multus.conf" ? "00-multus.conflist" : "00-multus.conf";
  if (await deps.fs.remove(`${opts.confDir}/${other}`).catch(() => false)) {
    deps.out(`removed the earlier ${opts.confDir}/${other}`);
  }
  deps.out(`multus config ${path} generated from ${primary}`);
  return path;
}
