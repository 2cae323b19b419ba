/**
 * The process itself: its environment, its arguments and how it exits.
 *
 * @module
 */

/** Read access to environment variables. */
export interface Env {
  /** The variable's value, or undefined when unset. */
  get(name: string): string | undefined;
  /** Every variable (what a delegate inherits, as libcni passes the whole environment). */
  toObject(): Record<string, string>;
}

/** The real environment of this process. */
export const processEnv: Env = {
  get: (name: string): string | undefined => Deno.env.get(name),
  toObject: (): Record<string, string> => Deno.env.toObject(),
};

/** An environment backed by a plain object (tests, and the daemon's per-request env). */
export function envFromObject(vars: Record<string, string>): Env {
  return {
    get: (name: string): string | undefined => vars[name],
    toObject: (): Record<string, string> => ({ ...vars }),
  };
}

/** Ends the process with `code`. */
export function exitProcess(code: number): never {
  Deno.exit(code);
}

/** The machine's host name (the node name when `MULTUS_NODE_NAME` is unset). */
export function hostName(): string {
  return Deno.hostname();
}

/** The process's user ID. */
export function processUid(): number {
  return Deno.uid() ?? -1;
}

/** Calls `fn` once on SIGTERM or SIGINT; returns a function that stops listening. */
export function onShutdownSignal(fn: (signal: string) => void): () => void {
  let fired = false;
  const handlers: Array<[Deno.Signal, () => void]> = (["SIGTERM", "SIGINT"] as const).map((sig) => [
    sig,
    () => {
      if (fired) return;
      fired = true;
      fn(sig);
    },
  ]);
  for (const [sig, h] of handlers) Deno.addSignalListener(sig, h);
  return () => {
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  };
}

const LAUNCHER_VARS = [
  "MULTUS_ARGV0",
  "MULTUS_EXE",
  "MULTUS_LAUNCHER",
  "MULTUS_NPM_VERIFIED",
  "DENO_DIR",
  "DENO_NO_UPDATE_CHECK",
];

/**
 * What the packed executable's stub or the launcher told this process, read once before
 * {@linkcode programName} removes the variables: the name it was run by and, for the
 * packed executable, the file itself (`/proc/self/exe` of the stub).
 */
const launched = {
  argv0: Deno.env.get("MULTUS_ARGV0") ?? null,
  exe: Deno.env.get("MULTUS_LAUNCHER") ? Deno.env.get("MULTUS_EXE") ?? null : null,
  npmVerified: Deno.env.get("MULTUS_NPM_VERIFIED") === "1",
};

/** Whether the packed executable's stub verified the npm packages before this exec. */
export function packedNpmVerified(): boolean {
  return launched.npmVerified;
}

/**
 * The packed executable this process was started from (the file kubelet executed, in the
 * CNI bin dir), or null in any other build.
 */
export function packedExecutable(): string | null {
  return launched.exe;
}

/** The name this process was run by, as the stub or launcher passed it (else null). */
export function launcherArgv0(): string | null {
  return launched.argv0;
}

/**
 * The name this program was run by (argv[0]'s base name). The packed executable's stub and
 * the launcher pass it in `MULTUS_ARGV0` and set a few variables for this process only;
 * they are removed here so that delegates never inherit them.
 */
export function programName(): string {
  const argv0 = launched.argv0 ?? Deno.execPath();
  if (Deno.env.get("MULTUS_LAUNCHER")) {
    for (const name of LAUNCHER_VARS) Deno.env.delete(name);
  }
  return argv0.slice(argv0.lastIndexOf("/") + 1);
}
