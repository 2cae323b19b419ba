import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type CommandLine, isHelpFlag, readCommandLine } from "./command_line.ts";

type Case = [program: string, args: string[], want: CommandLine];

const help = (topic: "multus" | "shim" | "passthru" | "version"): CommandLine => ({
  kind: "help",
  topic,
});
const run = (...args: string[]): CommandLine => ({ kind: "run", args });
const usageError = (message: string): CommandLine => ({ kind: "usage_error", message });

function check(cases: Case[]): void {
  for (const [program, args, want] of cases) {
    assertEquals(readCommandLine(program, args), want, `${program} ${args.join(" ")}`);
  }
}

Deno.test("isHelpFlag() accepts Go's four spellings and nothing else", () => {
  for (const a of ["-h", "--h", "-help", "--help"]) assertEquals(isHelpFlag(a), true, a);
  for (const a of ["help", "-H", "--helpme", "-h=1", ""]) assertEquals(isHelpFlag(a), false, a);
});

Deno.test("readCommandLine() gives multus's usage for --help, -h, -help and help", () => {
  check([
    ["multus", ["--help"], help("multus")],
    ["multus", ["-h"], help("multus")],
    ["multus", ["-help"], help("multus")],
    ["multus", ["help"], help("multus")],
    ["multus", ["help", "help"], help("multus")],
    ["multus", ["help", "multus"], help("multus")],
  ]);
});

Deno.test("readCommandLine() turns help COMMAND into that command's help", () => {
  check([
    ["multus", ["help", "install"], run("install", "--help")],
    ["multus", ["help", "doctor"], run("doctor", "--help")],
    ["multus", ["help", "daemon"], run("daemon", "--help")],
    ["multus", ["help", "multus-daemon"], run("daemon", "--help")],
    ["multus", ["help", "version"], help("version")],
    ["multus", ["help", "passthru"], help("passthru")],
    ["multus", ["help", "multus-shim"], help("shim")],
    ["multus", ["help", "bogus"], usageError('no help for "bogus"')],
  ]);
});

Deno.test("readCommandLine() gives each plugin mode's help by name or sub-command", () => {
  check([
    ["passthru", ["--help"], help("passthru")],
    ["passthru", ["help"], help("passthru")],
    ["multus-shim", ["-h"], help("shim")],
    ["multus-shim", ["help"], help("shim")],
    ["multus", ["passthru", "-help"], help("passthru")],
    ["multus", ["shim", "--help"], help("shim")],
  ]);
});

Deno.test("readCommandLine() runs version, install and daemon as before, their --help aside", () => {
  check([
    ["multus", ["--version"], run("version")],
    ["multus", ["-version"], run("version")],
    ["multus-shim", ["-v"], run("version")],
    ["multus", ["version", "--help"], help("version")],
    ["multus", ["--version", "-h"], help("version")],
    ["multus", ["install", "--help"], run("install", "--help")],
    ["multus", ["install", "-t", "thin"], run("install", "-t", "thin")],
    ["multus", ["doctor", "--fix", "-o", "json"], run("doctor", "--fix", "-o", "json")],
    ["multus", ["daemon", "-help"], run("daemon", "-help")],
    ["multus-daemon", ["-h"], run("-h")],
    ["multus-daemon", ["help"], run("help")],
  ]);
});

Deno.test("readCommandLine() rejects unknown flags and stray arguments of plugin modes", () => {
  check([
    ["multus", ["--bogus"], usageError("flag provided but not defined: --bogus")],
    ["multus", ["passthru", "-x"], usageError("flag provided but not defined: -x")],
    ["passthru", ["extra"], usageError('unexpected argument "extra"')],
    ["multus-shim", ["--", "x"], usageError("flag provided but not defined: --")],
    // main.ts reports an unknown sub-command itself, CNI_COMMAND set or not.
    ["multus", ["bogus", "--help"], run("bogus", "--help")],
    ["multus", ["passthru"], run("passthru")],
    ["multus", [], run()],
  ]);
});
