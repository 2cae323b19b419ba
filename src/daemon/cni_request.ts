/**
 * Decoding a shim's request (`{"env": {...}, "config": "<base64 stdin>",
 * "interfaceAttributes"?: {...}}`) into the arguments a CNI command gets, with Multus's
 * checks and wording (`could not extract the CNI command args: missing CNI_CONTAINERID`,
 * ...). Values in `CNI_ARGS` may contain `=` (Go Multus's daemon rejects them, quirk
 * section 2.20-3), and the sandbox ID comes from `CNI_ARGS` like everywhere else.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import type { CniCommand } from "../cni/types.ts";
import { checkSkelInput, parseCniArgs } from "../engine/mod.ts";

/** `interfaceAttributes` of a `/delegate` request. */
export interface InterfaceAttributes {
  ips?: string[];
  mac?: string;
  "cni-args"?: Record<string, unknown>;
}

/** A decoded request. */
export interface CniRequest {
  command: Exclude<CniCommand, "VERSION">;
  args: CmdArgs;
  podNamespace: string;
  podName: string;
  interfaceAttributes?: InterfaceAttributes;
}

const COMMANDS = new Set(["ADD", "DEL", "CHECK", "GC", "STATUS"]);

function bad(code: number, msg: string): CniError {
  return new CniError(code, msg);
}

function decodeBase64(text: string): string {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/**
 * Decodes and checks a `/cni` or `/delegate` request body.
 *
 * @throws {CniError} code 4/6/7 naming what is wrong.
 */
export function decodeCniRequest(body: string): CniRequest {
  let raw: { env?: unknown; config?: unknown; interfaceAttributes?: unknown };
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw bad(
      CniCode.DecodingFailure,
      `could not decode the CNI request: ${(err as Error).message}`,
    );
  }
  if (typeof raw !== "object" || raw === null || typeof raw.env !== "object" || raw.env === null) {
    throw bad(CniCode.DecodingFailure, 'could not decode the CNI request: it has no "env" object');
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.env as Record<string, unknown>)) {
    if (typeof v === "string") env[k] = v;
  }
  const command = env.CNI_COMMAND;
  if (!command || !COMMANDS.has(command)) {
    throw bad(
      CniCode.InvalidEnvironment,
      "could not extract the CNI command args: unexpected or missing CNI_COMMAND",
    );
  }
  const podLevel = command !== "GC" && command !== "STATUS";
  if (podLevel) {
    for (const name of ["CNI_CONTAINERID", "CNI_NETNS", "CNI_ARGS"]) {
      if (env[name] === undefined) {
        throw bad(
          CniCode.InvalidEnvironment,
          `could not extract the CNI command args: missing ${name}`,
        );
      }
    }
  }
  let stdinText: string;
  try {
    stdinText = typeof raw.config === "string" ? decodeBase64(raw.config) : "";
  } catch {
    throw bad(CniCode.DecodingFailure, 'could not decode the CNI request: "config" is not base64');
  }
  const ifName = env.CNI_IFNAME ?? "eth0";
  const checked = checkSkelInput({
    command: command as CniRequest["command"],
    stdin: stdinText,
    containerId: env.CNI_CONTAINERID ?? "",
    ifName,
  });
  let podNamespace = "";
  let podName = "";
  if (podLevel) {
    let pairs: [string, string][];
    try {
      pairs = parseCniArgs(env.CNI_ARGS ?? "", { mode: "lenient" });
    } catch (err) {
      throw CniError.from(err).withPrefix("could not extract the kubernetes runtime args: ");
    }
    const get = (k: string) => pairs.find(([key]) => key === k)?.[1];
    for (const key of ["K8S_POD_NAMESPACE", "K8S_POD_NAME"]) {
      if (get(key) === undefined) {
        throw bad(
          CniCode.InvalidEnvironment,
          `could not extract the kubernetes runtime args: missing ${key}`,
        );
      }
    }
    podNamespace = get("K8S_POD_NAMESPACE") ?? "";
    podName = get("K8S_POD_NAME") ?? "";
    if (!podNamespace || !podName) {
      throw bad(
        CniCode.InvalidEnvironment,
        `required CNI variable missing. pod name: ${podName}; pod namespace: ${podNamespace}`,
      );
    }
  }
  const args: CmdArgs = {
    command: command as CniRequest["command"],
    containerId: env.CNI_CONTAINERID ?? "",
    netns: env.CNI_NETNS ?? "",
    ifName,
    args: env.CNI_ARGS ?? "",
    path: env.CNI_PATH ?? "",
    stdinText,
    config: checked.config,
    cniVersion: checked.cniVersion,
    env,
  };
  const attrs = raw.interfaceAttributes;
  return {
    command: args.command,
    args,
    podNamespace,
    podName,
    ...(attrs && typeof attrs === "object"
      ? { interfaceAttributes: attrs as InterfaceAttributes }
      : {}),
  };
}

/** Multus's request description for logs: `ContainerID:"..." Netns:"..." IfName:"..." Args:"..." Path:"..."`. */
export function describeArgs(args: CmdArgs): string {
  const q = JSON.stringify;
  return `ContainerID:${q(args.containerId)} Netns:${q(args.netns)} IfName:${q(args.ifName)} Args:${
    q(args.args)
  } Path:${q(args.path)}`;
}
