/**
 * What an explicit command line asks of `main.ts`: to run a mode as before, to print a
 * help text, or nothing it understands. Pure: `main.ts` loads it only when the program
 * has arguments and `CNI_COMMAND` is unset, so a CNI exec never pays for it.
 *
 * @module
 */

/** The help texts `help.ts` has (`multus` is the top-level usage). */
export type HelpTopic = "multus" | "shim" | "passthru" | "version";

/**
 * The decision: `run` the (possibly rewritten) arguments as `main.ts` always has, print the
 * `help` of `topic`, or a `usage_error` (exit 2, the message and a pointer to `--help`).
 */
export type CommandLine =
  | { kind: "run"; args: string[] }
  | { kind: "help"; topic: HelpTopic }
  | { kind: "usage_error"; message: string };

/** Go's `flag` package's spellings of a help request. */
const HELP_FLAGS = new Set(["-h", "--h", "-help", "--help"]);
/** The version flags of Multus's plugins (`-v`, `-version`) plus `version`. */
const VERSION_WORDS = new Set(["-v", "--v", "-version", "--version", "version"]);

/** True for `-h`, `--h`, `-help` and `--help`. */
export function isHelpFlag(arg: string): boolean {
  return HELP_FLAGS.has(arg);
}

/** `multus help <topic>`: which text, or which command's own `--help`. */
function helpTopic(topic: string): CommandLine {
  switch (topic) {
    case "multus":
    case "help":
      return { kind: "help", topic: "multus" };
    case "shim":
    case "multus-shim":
      return { kind: "help", topic: "shim" };
    case "passthru":
      return { kind: "help", topic: "passthru" };
    case "version":
      return { kind: "help", topic: "version" };
    case "install":
      return { kind: "run", args: ["install", "--help"] };
    case "doctor":
      return { kind: "run", args: ["doctor", "--help"] };
    case "daemon":
    case "multus-daemon":
      return { kind: "run", args: ["daemon", "--help"] };
    case "explain":
      return { kind: "run", args: ["explain", "--help"] };
    default:
      return { kind: "usage_error", message: `no help for ${JSON.stringify(topic)}` };
  }
}

/**
 * Reads `args` of the program run as `program` (argv[0]'s base name), for the cases that
 * print help or fail; anything else is `run` unchanged, for `main.ts`'s dispatch (which
 * reports unknown sub-commands itself). `install`, `multus-daemon`/`daemon` and `explain`
 * parse their own flags, `--help` included.
 *
 * @example
 * ```ts
 * readCommandLine("multus", ["--help"]); // { kind: "help", topic: "multus" }
 * readCommandLine("multus", ["help", "install"]); // { kind: "run", args: ["install", "--help"] }
 * readCommandLine("passthru", ["-h"]); // { kind: "help", topic: "passthru" }
 * ```
 */
export function readCommandLine(program: string, args: readonly string[]): CommandLine {
  const [first, ...rest] = args;
  if (first === undefined || program === "multus-daemon") return { kind: "run", args: [...args] };
  if (VERSION_WORDS.has(first)) {
    return rest.some(isHelpFlag)
      ? { kind: "help", topic: "version" }
      : { kind: "run", args: ["version", ...rest] };
  }
  if (first === "install" || first === "daemon") return { kind: "run", args: [...args] };
  if (first === "doctor") return { kind: "run", args: [...args] };
  if (first === "explain") return { kind: "run", args: [...args] };
  const named = program === "multus-shim" ? "shim" : program === "passthru" ? "passthru" : null;
  if (first === "help") {
    if (rest[0] !== undefined) return helpTopic(rest[0]);
    return { kind: "help", topic: named ?? "multus" };
  }
  let mode: HelpTopic = named ?? "multus";
  let modeArgs = args;
  if (named === null && (first === "shim" || first === "passthru")) {
    mode = first;
    modeArgs = rest;
  }
  const arg = modeArgs[0];
  if (arg === undefined) return { kind: "run", args: [...args] };
  if (isHelpFlag(arg)) return { kind: "help", topic: mode };
  if (arg.startsWith("-")) {
    return { kind: "usage_error", message: `flag provided but not defined: ${arg}` };
  }
  if (mode === "multus") return { kind: "run", args: [...args] };
  return { kind: "usage_error", message: `unexpected argument ${JSON.stringify(arg)}` };
}
