/**
 * The plugin side of CNI, as libcni's `skel`: reads and validates the `CNI_*`
 * environment (every missing variable in one error, code 4), reads stdin, lets the
 * engine validate the config, the container ID, the interface name and the version
 * (CHECK needs >= 0.4.0, GC and STATUS >= 1.1.0), dispatches, and prints the result or
 * the error JSON. This is the one place a plugin's errors are serialised.
 *
 * @module
 */
import { CniCode, CniError } from "./error.ts";
import { netnsCheckOverridden } from "./netns.ts";
import type { CniCommand, CniResult, CniVersion } from "./types.ts";
import type { SkelCheck, VersionInfo } from "../engine/mod.ts";
import type { Env } from "../platform/process.ts";
import type { Stdio } from "../platform/stdio.ts";

/** Everything a plugin command receives (libcni `CmdArgs` plus the parsed config). */
export interface CmdArgs {
  command: Exclude<CniCommand, "VERSION">;
  containerId: string;
  netns: string;
  ifName: string;
  /** `CNI_ARGS`, unparsed. */
  args: string;
  /** `CNI_PATH`, unparsed. */
  path: string;
  /** stdin exactly as received. */
  stdinText: string;
  /** stdin parsed. */
  config: Record<string, unknown>;
  /** The config's `cniVersion` ("0.1.0" when absent). */
  cniVersion: CniVersion;
  /** The whole environment of the invocation (what the daemon receives from the shim). */
  env: Record<string, string>;
}

/** A plugin's commands. A missing GC or STATUS succeeds, as libcni's skel does. */
export interface PluginFuncs {
  add(args: CmdArgs): Promise<CniResult>;
  del(args: CmdArgs): Promise<void>;
  check(args: CmdArgs): Promise<void>;
  gc?(args: CmdArgs): Promise<void>;
  status?(args: CmdArgs): Promise<void>;
}

/**
 * The decisions the skel asks of the engine. Plugins pass {@linkcode engineSkelChecks}
 * (`skel_engine.ts`); a forwarding plugin (the shim) may pass lighter ones and leave the
 * validation to the component it forwards to, so that its per-pod exec never loads the
 * engine.
 */
export interface SkelChecks {
  /** Validates a non-VERSION invocation (config, container ID, interface name, version). */
  checkInput(input: {
    command: Exclude<CniCommand, "VERSION">;
    stdin: string;
    containerId: string;
    ifName: string;
    supportedVersions?: readonly string[];
  }): SkelCheck | Promise<SkelCheck>;
  /** The VERSION answer. */
  versionInfo(cniVersion?: string): VersionInfo | Promise<VersionInfo>;
  /** Converts an ADD result to the config's version. */
  convert(result: CniResult, toVersion: CniVersion): CniResult | Promise<CniResult>;
}

/** Options of {@linkcode pluginMain}. */
export interface SkelOptions {
  /** Printed on stderr when run without `CNI_COMMAND` (e.g. `CNI multus plugin v0.1.0`). */
  about: string;
  /** Versions the plugin accepts (default: all seven). */
  supportedVersions?: readonly CniVersion[];
  env: Env;
  stdio: Stdio;
  /** The engine-backed decisions. */
  checks: SkelChecks;
  /**
   * Refuses a `CNI_NETNS` that is this process's own namespace on ADD and DEL (code 8;
   * see `netns.ts`); absent = never checked. `CNI_NETNS_OVERRIDE` skips it, as in libcni.
   */
  checkNetns?: (netns: string) => Promise<void>;
}

const COMMANDS = new Set(["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"]);

/** Which variables each command requires (libcni skel's table; GC/STATUS need CNI_PATH). */
const REQUIRED: ReadonlyArray<[string, ReadonlySet<string>]> = [
  ["CNI_COMMAND", new Set(["ADD", "CHECK", "DEL", "GC", "STATUS"])],
  ["CNI_CONTAINERID", new Set(["ADD", "CHECK", "DEL"])],
  ["CNI_NETNS", new Set(["ADD", "CHECK"])],
  ["CNI_IFNAME", new Set(["ADD", "CHECK", "DEL"])],
  ["CNI_ARGS", new Set()],
  ["CNI_PATH", new Set(["ADD", "CHECK", "DEL", "GC", "STATUS"])],
];

/** Serialises JSON as Go's `MarshalIndent(v, "", "    ")` does. */
function printJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

function missingVariables(env: Env, command: string): string[] {
  return REQUIRED.filter(([name, cmds]) =>
    !env.get(name) && (name === "CNI_COMMAND" || cmds.has(command))
  ).map(([name]) => name);
}

async function versionAnswer(stdin: Uint8Array, checks: SkelChecks): Promise<string> {
  let asked: string | undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(stdin))?.cniVersion;
    if (typeof v === "string") asked = v;
  } catch {
    // VERSION ignores a stdin it cannot read, as libcni's skel does.
  }
  return JSON.stringify(await checks.versionInfo(asked)) + "\n";
}

/**
 * Runs one plugin invocation; returns the process exit code (0 success, 1 failure).
 *
 * @example Usage
 * ```ts ignore
 * const code = await pluginMain(funcs, { about: "CNI passthru plugin", env: processEnv, stdio: processStdio });
 * ```
 */
export async function pluginMain(funcs: PluginFuncs, opts: SkelOptions): Promise<number> {
  const { env, stdio } = opts;
  const command = env.get("CNI_COMMAND") ?? "";
  let cniVersion: CniVersion | undefined;
  try {
    const missing = missingVariables(env, command);
    if (missing.length > 0) {
      if (!command) {
        const versions =
          (opts.supportedVersions ?? (await opts.checks.versionInfo()).supportedVersions)
            .join(", ");
        stdio.writeStderr(`${opts.about}\nCNI protocol versions supported: ${versions}\n`);
        return 0;
      }
      throw new CniError(
        CniCode.InvalidEnvironment,
        `required env variables [${missing.join(",")}] missing`,
      );
    }
    if (!COMMANDS.has(command)) {
      throw new CniError(CniCode.InvalidEnvironment, `unknown CNI_COMMAND: ${command}`);
    }
    let stdin: Uint8Array;
    try {
      stdin = stdio.readStdin();
    } catch (err) {
      throw new CniError(CniCode.IoFailure, `error reading from stdin: ${err}`, { cause: err });
    }
    if (command === "VERSION") {
      stdio.writeStdout(await versionAnswer(stdin, opts.checks));
      return 0;
    }
    const cmd = command as CmdArgs["command"];
    const stdinText = new TextDecoder().decode(stdin);
    const checked = await opts.checks.checkInput({
      command: cmd,
      stdin: stdinText,
      containerId: env.get("CNI_CONTAINERID") ?? "",
      ifName: env.get("CNI_IFNAME") ?? "",
      ...(opts.supportedVersions ? { supportedVersions: opts.supportedVersions } : {}),
    });
    cniVersion = checked.cniVersion;
    const args: CmdArgs = {
      command: cmd,
      containerId: env.get("CNI_CONTAINERID") ?? "",
      netns: env.get("CNI_NETNS") ?? "",
      ifName: env.get("CNI_IFNAME") ?? "",
      args: env.get("CNI_ARGS") ?? "",
      path: env.get("CNI_PATH") ?? "",
      stdinText,
      config: checked.config,
      cniVersion,
      env: env.toObject(),
    };
    if (
      (cmd === "ADD" || cmd === "DEL") && opts.checkNetns &&
      !netnsCheckOverridden({ CNI_NETNS_OVERRIDE: env.get("CNI_NETNS_OVERRIDE") })
    ) {
      await opts.checkNetns(args.netns);
    }
    switch (cmd) {
      case "ADD": {
        const result = await funcs.add(args);
        const out = result.cniVersion === cniVersion
          ? result
          : await opts.checks.convert(result, cniVersion);
        stdio.writeStdout(printJson(out));
        return 0;
      }
      case "DEL":
        await funcs.del(args);
        return 0;
      case "CHECK":
        await funcs.check(args);
        return 0;
      case "GC":
        await funcs.gc?.(args);
        return 0;
      case "STATUS":
        await funcs.status?.(args);
        return 0;
    }
  } catch (err) {
    const error = CniError.from(err);
    stdio.writeStdout(printJson(error.toWire(cniVersion)) + "\n");
    return 1;
  }
}
