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

const LAUNCHER_VARS = ["MULTUS_ARGV0", "MULTUS_LAUNCHER", "DENO_DIR", "DENO_NO_UPDATE_CHECK"];

/**
 * The name this program was run by (argv[0]'s base name). The launcher build passes it in
 * `MULTUS_ARGV0` and sets a few variables for this process only; they are removed here so
 * that delegates never inherit them.
 */
export function programName(): string {
  const argv0 = Deno.env.get("MULTUS_ARGV0") ?? Deno.execPath();
  if (Deno.env.get("MULTUS_LAUNCHER")) {
    for (const name of LAUNCHER_VARS) Deno.env.delete(name);
  }
  return argv0.slice(argv0.lastIndexOf("/") + 1);
}
