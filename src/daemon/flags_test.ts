import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DAEMON_FLAGS, type DaemonFlags, parseDaemonFlags } from "./flags.ts";

const DEFAULTS: DaemonFlags = {
  config: DAEMON_FLAGS.config.default,
  version: false,
  probe: "",
};

const run = (over: Partial<DaemonFlags> = {}) => ({
  kind: "run",
  flags: { ...DEFAULTS, ...over },
});

Deno.test("parseDaemonFlags() takes one or two dashes, a separate or an inline value", () => {
  const cases: Array<[string[], ReturnType<typeof run>]> = [
    [[], run()],
    [["-config", "/a.json"], run({ config: "/a.json" })],
    [["--config", "/a.json"], run({ config: "/a.json" })],
    [["-config=/a.json"], run({ config: "/a.json" })],
    [["--config=/a=b.json"], run({ config: "/a=b.json" })],
    [["-config", "/a.json", "-config", "/b.json"], run({ config: "/b.json" })],
    [["-config", "-probe"], run({ config: "-probe" })],
    [["-probe", "readyz", "--config=/c"], run({ probe: "readyz", config: "/c" })],
    [["-version"], run({ version: true })],
    [["--version=true"], run({ version: true })],
    [["-version=T", "-version=0"], run({ version: false })],
    [["-config", "/a.json", "--"], run({ config: "/a.json" })],
  ];
  for (const [args, want] of cases) assertEquals(parseDaemonFlags(args), want, args.join(" "));
});

Deno.test("parseDaemonFlags() asks for help on -h, -help, --h and --help, as Go's flag", () => {
  for (const arg of ["-h", "-help", "--h", "--help"]) {
    assertEquals(parseDaemonFlags([arg]), { kind: "help" }, arg);
    assertEquals(parseDaemonFlags(["-config", "/a", arg]), { kind: "help" }, arg);
  }
});

Deno.test("parseDaemonFlags() reports a bad command line in Go's words", () => {
  const cases: Array<[string[], string]> = [
    [["-bogus"], "flag provided but not defined: -bogus"],
    [["--cni-version=0.3.1"], "flag provided but not defined: -cni-version"],
    [["-bogus", "-h"], "flag provided but not defined: -bogus"],
    [["-config"], "flag needs an argument: -config"],
    [["--probe"], "flag needs an argument: -probe"],
    [["-version=yes"], 'invalid boolean value "yes" for -version: parse error'],
    [["---config"], "bad flag syntax: ---config"],
    [["-=x"], "bad flag syntax: -=x"],
    [["config"], 'unexpected argument "config"'],
    [["-"], 'unexpected argument "-"'],
    [["-version", "--", "x"], 'unexpected argument "x"'],
  ];
  for (const [args, message] of cases) {
    assertEquals(parseDaemonFlags(args), { kind: "error", message }, args.join(" "));
  }
});
