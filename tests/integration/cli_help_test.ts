/**
 * The command line people type, through the built `dist/bin/` names: help for the
 * program, each mode and each command (exit 0, on stdout), Go's `flag` behaviour for
 * `multus-daemon` (exit 2 and the usage on stderr for an unknown flag), exit 2 for an
 * unknown sub-command, and a CNI exec that answers CNI whatever its arguments.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { runDist, type RunOutput } from "../support/dist.ts";
import { DAEMON_FLAGS } from "../../src/daemon/flags.ts";
import { INSTALL_HELP } from "../../src/install/main.ts";

function assertHelp(out: RunOutput, firstLine: string, what: string): void {
  assertEquals(out.code, 0, `${what}: ${out.stderr}`);
  assertEquals(out.stderr, "", what);
  assertEquals(out.stdout.split("\n")[0], firstLine, what);
}

function assertUsageError(out: RunOutput, message: string, what: string): void {
  assertEquals(out.code, 2, `${what}: ${out.stderr}`);
  assertEquals(out.stdout, "", what);
  assertStringIncludes(out.stderr, message, what);
}

Deno.test("multus --help, -h and help print the modes and commands and exit 0", async () => {
  for (const args of [["--help"], ["-h"], ["help"]]) {
    const out = await runDist("multus", { args });
    assertHelp(out, "Usage: multus [COMMAND] [FLAGS]", `multus ${args.join(" ")}`);
    for (const mode of ["multus", "multus-shim", "multus-daemon", "passthru"]) {
      assert(new RegExp(`^  ${mode} +\\S`, "m").test(out.stdout), `mode ${mode}`);
    }
    for (const command of ["install", "daemon", "version", "help \\[COMMAND\\]"]) {
      assert(new RegExp(`^  ${command} +\\S`, "m").test(out.stdout), `command ${command}`);
    }
  }
});

Deno.test("multus help install and multus install --help print the install help", async () => {
  for (const args of [["help", "install"], ["install", "--help"], ["install", "-h"]]) {
    const out = await runDist("multus", { args });
    assertHelp(out, "Usage: multus install --type thick|thin [options]", args.join(" "));
    assertEquals(out.stdout, INSTALL_HELP);
    assertStringIncludes(out.stdout, "\nExamples:\n");
  }
});

Deno.test("multus-daemon -h, -help and --help print Go's flag usage on stdout and exit 0", async () => {
  for (const arg of ["-h", "-help", "--help", "--h"]) {
    const out = await runDist("multus-daemon", { args: [arg] });
    assertHelp(out, "Usage of multus-daemon:", `multus-daemon ${arg}`);
    assertStringIncludes(
      out.stdout,
      "  -config string\n    \tSpecify the path to the multus-daemon configuration " +
        `(default "${DAEMON_FLAGS.config.default}")\n`,
    );
    assertStringIncludes(out.stdout, "  -version\n    \tShow version\n");
    assertStringIncludes(out.stdout, "  -probe endpoint\n");
    assertStringIncludes(out.stdout, "\nExamples:\n");
  }
});

Deno.test("multus daemon --help and multus help daemon print the daemon's usage", async () => {
  for (const args of [["daemon", "--help"], ["daemon", "-h"], ["help", "daemon"]]) {
    const out = await runDist("multus", { args });
    assertHelp(out, "Usage of multus daemon:", args.join(" "));
    assertStringIncludes(out.stdout, "  -config string\n");
  }
});

Deno.test("multus-daemon rejects an unknown or incomplete flag with exit 2 and the usage on stderr", async () => {
  const cases: Array<[string[], string]> = [
    [["--bogus"], "flag provided but not defined: -bogus\nUsage of multus-daemon:\n"],
    [["-cni-version=0.3.1"], "flag provided but not defined: -cni-version\nUsage of"],
    [["-config"], "flag needs an argument: -config\nUsage of multus-daemon:\n"],
  ];
  for (const [args, message] of cases) {
    assertUsageError(await runDist("multus-daemon", { args }), message, args.join(" "));
  }
  const out = await runDist("multus", { args: ["daemon", "-bogus"] });
  assertUsageError(out, "flag provided but not defined: -bogus\nUsage of multus daemon:\n", "");
});

Deno.test("passthru, multus-shim and multus version print a short help each", async () => {
  const cases: Array<[string, string[], string]> = [
    ["passthru", ["--help"], "Usage: passthru "],
    ["passthru", ["-h"], "Usage: passthru "],
    ["multus-shim", ["--help"], "Usage: multus-shim "],
    ["multus-shim", ["-help"], "Usage: multus-shim "],
    ["multus", ["version", "--help"], "Usage: multus version "],
    ["multus", ["help", "version"], "Usage: multus version "],
    ["multus", ["help", "passthru"], "Usage: passthru "],
  ];
  for (const [name, args, start] of cases) {
    const out = await runDist(name, { args });
    const what = `${name} ${args.join(" ")}`;
    assertEquals(out.code, 0, `${what}: ${out.stderr}`);
    assert(out.stdout.startsWith(start), `${what}: ${out.stdout}`);
    assertStringIncludes(out.stdout, "\nExample", what);
  }
});

Deno.test("an unknown sub-command or flag fails with exit 2 and points to --help", async () => {
  const cases: Array<[string, string[], string]> = [
    ["multus", ["bogus"], 'multus: unknown sub-command "bogus" (0 more arguments)\n'],
    ["multus", ["help", "bogus"], 'multus: no help for "bogus"\n'],
    ["multus", ["--bogus"], "multus: flag provided but not defined: --bogus\n"],
    ["passthru", ["extra"], 'passthru: unexpected argument "extra"\n'],
  ];
  for (const [name, args, message] of cases) {
    const out = await runDist(name, { args });
    assertUsageError(out, message, `${name} ${args.join(" ")}`);
    assert(out.stderr.endsWith(`Run '${name} --help' for usage.\n`), out.stderr);
  }
});

Deno.test("a CNI VERSION exec answers CNI JSON, with or without arguments", async () => {
  const stdin = '{"cniVersion":"1.0.0","name":"n"}';
  for (const name of ["passthru", "multus", "multus-shim"]) {
    for (const args of [[], ["--help"], ["-h"]]) {
      const out = await runDist(name, { env: { CNI_COMMAND: "VERSION" }, stdin, args });
      const what = `${name} ${args.join(" ")}`;
      assertEquals(out.code, 0, `${what}: ${out.stderr}`);
      const json = out.json as { cniVersion?: string; supportedVersions?: string[] };
      assertEquals(json?.cniVersion, "1.0.0", `${what}: ${out.stdout}`);
      assert(json.supportedVersions?.includes("1.0.0"), what);
    }
  }
});

Deno.test("multus --version still prints the version line", async () => {
  for (const args of [["--version"], ["-v"], ["-version"], ["version"]]) {
    const out = await runDist("multus", { args });
    assertEquals(out.code, 0, out.stderr);
    assert(out.stdout.startsWith("multus: version:"), out.stdout);
  }
});
