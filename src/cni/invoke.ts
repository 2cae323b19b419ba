/**
 * Finding and executing a CNI plugin, as libcni's `pkg/invoke` does: the binary is
 * looked up by its `type` in the bin dirs then `CNI_PATH`, run with the runtime's
 * environment plus the six `CNI_*` variables, its stdout parsed as a result or as a CNI
 * error (keeping the plugin's code), else a message built from its stderr.
 *
 * A plugin's output is bounded: more than {@linkcode MAX_STDOUT_BYTES} on stdout (no CNI
 * result or error is near that size) kills it and fails the call (code 5, naming the
 * plugin and the limit); its stderr is kept up to {@linkcode MAX_STDERR_BYTES} and the
 * rest dropped. An ADD that exits 0 with nothing on stdout is a failure (code 6, libcni's
 * `failed to unmarshal raw result: unexpected end of JSON input`), never an empty result.
 *
 * A `type` is a plain file name. One that is empty, contains `/` or is `.`/`..` is
 * refused before anything runs: whoever can write a NetworkAttachmentDefinition must
 * never be able to make a root process run an arbitrary path.
 *
 * @module
 */
import { CniCode, CniError } from "./error.ts";
import type { CniCommand, CniResult, CniVersion } from "./types.ts";
import { parseResult, pluginError } from "../engine/mod.ts";
import type { Exec, ExecOutput } from "../platform/exec.ts";
import type { Fs } from "../platform/fs.ts";

/** The effects invoking needs. */
export interface InvokeDeps {
  exec: Exec;
  fs: Pick<Fs, "stat">;
  /** Where a successful plugin's stderr goes (libcni copies it to its own stderr). */
  stderr?: (text: string) => void;
  /** Waits `ms` milliseconds (injected so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
}

/** Per-invocation limits. */
export interface InvokeOptions {
  /** Kill the plugin after this many ms (default 60 000). */
  timeoutMs?: number;
  /** Kill the plugin when this aborts. */
  signal?: AbortSignal;
  /** Retries when the binary is being replaced ("text file busy"; default 5, libcni's). */
  busyRetries?: number;
  /** Wait between those retries (default 1000 ms). */
  busyDelayMs?: number;
  /** Run the plugin chrooted into this directory (Multus thick's `chrootDir`). */
  chrootDir?: string;
  /** Bound of the plugin's stdout (default {@linkcode MAX_STDOUT_BYTES}). */
  maxStdoutBytes?: number;
  /** How much of the plugin's stderr is kept (default {@linkcode MAX_STDERR_BYTES}). */
  maxStderrBytes?: number;
}

/** The most a plugin may print on stdout: 4 MiB. */
export const MAX_STDOUT_BYTES = 4 * 1024 * 1024;

/** How much of a plugin's stderr is kept: 64 KiB. */
export const MAX_STDERR_BYTES = 64 * 1024;

/** `n` bytes for a message: `4 MiB`, `64 KiB`, `100 bytes`. */
function bytesText(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** The environment of one plugin call: `CNI_*` values added to the runtime's own. */
export interface PluginEnv {
  command: Exclude<CniCommand, "VERSION"> | "VERSION";
  containerId: string;
  netns: string;
  ifName: string;
  /** `CNI_ARGS`, already joined (`K=V;K2=V2`). */
  args: string;
  /** The search path given to the plugin (`CNI_PATH`), `:`-joined. */
  path: string;
  /** The runtime's environment, inherited as libcni does; the CNI values override it. */
  base: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Checks that `type` is a plain file name and returns it.
 *
 * @throws {CniError} code 7 when it is empty, a path, `.` or `..`.
 */
export function checkPluginType(type: unknown): string {
  if (typeof type !== "string" || type === "") {
    throw new CniError(
      CniCode.InvalidNetworkConfig,
      `invalid plugin type ${JSON.stringify(type ?? null)}: a delegate needs a non-empty "type"`,
    );
  }
  if (type.includes("/") || type === "." || type === ".." || type.includes("\0")) {
    throw new CniError(
      CniCode.InvalidNetworkConfig,
      `invalid plugin type ${
        JSON.stringify(type)
      }: a type must be a plain file name found in the CNI bin directories, never a path`,
    );
  }
  return type;
}

/**
 * Finds plugin `type` in `dirs` (first regular file wins, as libcni's FindInPath).
 *
 * @throws {CniError} code 7 for a path-like type or when no directory has it.
 */
export async function findInPath(
  type: string,
  dirs: readonly string[],
  fs: Pick<Fs, "stat">,
): Promise<string> {
  checkPluginType(type);
  for (const dir of dirs) {
    if (!dir) continue;
    const full = `${dir.replace(/\/+$/, "")}/${type}`;
    const info = await fs.stat(full);
    if (info?.isFile) return full;
  }
  throw new CniError(
    CniCode.InvalidNetworkConfig,
    `failed to find plugin "${type}" in path [${dirs.filter((d) => d).join(" ")}]`,
  );
}

/** The complete environment of one plugin call (libcni `Args.AsEnv`). */
export function pluginEnvironment(env: PluginEnv): Record<string, string> {
  return {
    ...env.base,
    CNI_COMMAND: env.command,
    CNI_CONTAINERID: env.containerId,
    CNI_NETNS: env.netns,
    CNI_ARGS: env.args,
    CNI_IFNAME: env.ifName,
    CNI_PATH: env.path,
  };
}

function isTextFileBusy(err: unknown): boolean {
  return err instanceof Error && /text file busy/i.test(err.message);
}

/**
 * Executes the plugin at `path` with `stdin` and `env`; returns its stdout.
 *
 * @throws {CniError} the plugin's own error (its code kept), libcni's stderr-based
 *   message, or code 11 when the plugin was killed for exceeding the timeout.
 */
export async function execPlugin(
  path: string,
  call: { stdin: string; env: Record<string, string> },
  deps: InvokeDeps,
  opts: InvokeOptions = {},
): Promise<string> {
  const retries = opts.busyRetries ?? 5;
  const sleep = deps.sleep ?? defaultSleep;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxStdout = opts.maxStdoutBytes ?? MAX_STDOUT_BYTES;
  const maxStderr = opts.maxStderrBytes ?? MAX_STDERR_BYTES;
  let out: ExecOutput | undefined;
  for (let attempt = 0; out === undefined; attempt++) {
    try {
      out = await deps.exec.run({
        path,
        env: call.env,
        stdin: call.stdin,
        timeoutMs,
        maxStdoutBytes: maxStdout,
        maxStderrBytes: maxStderr,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.chrootDir ? { chrootDir: opts.chrootDir } : {}),
      });
    } catch (err) {
      if (isTextFileBusy(err) && attempt < retries) {
        await sleep(opts.busyDelayMs ?? 1000);
        continue;
      }
      const reason = err instanceof Error ? err.message : String(err);
      throw new CniError(CniCode.Internal, `cannot run plugin "${path}": ${reason}`, {
        cause: err,
      });
    }
  }
  if (out.stderrDropped) {
    out = {
      ...out,
      stderr: `${out.stderr}\n[${out.stderrDropped} more bytes of stderr dropped: ${
        bytesText(maxStderr)
      } are kept]`,
    };
  }
  if (out.stdoutOverflow) {
    throw new CniError(
      CniCode.IoFailure,
      `plugin "${path}" (${call.env.CNI_COMMAND}) printed more than ${
        bytesText(maxStdout)
      } on stdout and was killed: its output is bounded to ${bytesText(maxStdout)}`,
      out.stderr ? { details: out.stderr.trim() } : {},
    );
  }
  if (out.timedOut || out.aborted) {
    const why = out.timedOut
      ? `did not finish within ${timeoutMs} ms and was killed`
      : "was cancelled and killed";
    throw new CniError(
      CniCode.TryAgainLater,
      `plugin "${path}" (${call.env.CNI_COMMAND}) ${why}`,
      out.stderr ? { details: out.stderr.trim() } : {},
    );
  }
  if (out.code !== 0) {
    const wire = pluginError({
      stdout: out.stdout,
      stderr: out.stderr,
      exitCode: out.code,
      ...(out.signal ? { signal: out.signal } : {}),
    });
    throw new CniError(wire.code, wire.msg, wire.details ? { details: wire.details } : {});
  }
  if (out.stderr && deps.stderr) deps.stderr(out.stderr);
  return out.stdout;
}

/**
 * Decodes an ADD's stdout into a result of the plugin's version (or `configVersion`
 * when it names none), as libcni does (`null` is an empty result).
 *
 * @throws {CniError} code 6 when stdout is empty (libcni: an ADD without a result is an
 *   error) or not JSON, or the engine's validation error.
 */
export function decodeAddOutput(
  stdout: string,
  type: string,
  configVersion: CniVersion,
): CniResult {
  if (stdout.trim() === "") {
    throw new CniError(
      CniCode.DecodingFailure,
      `failed to unmarshal raw result: unexpected end of JSON input (plugin "${type}" exited 0 with no result on stdout)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (err) {
    throw new CniError(
      CniCode.DecodingFailure,
      `cannot decode the result of plugin "${type}": ${
        err instanceof Error ? err.message : err
      }; output was ${JSON.stringify(stdout.slice(0, 200))}`,
    );
  }
  return parseResult(raw, configVersion);
}
