import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { DAEMON_FLAGS } from "./flags.ts";
import { daemonUsage } from "./usage.ts";

Deno.test("daemonUsage() lists each flag as Go's flag.PrintDefaults does, config's default included", () => {
  const usage = daemonUsage("multus-daemon");
  const lines = usage.split("\n");
  assertEquals(lines.slice(0, 7), [
    "Usage of multus-daemon:",
    "  -config string",
    "    \tSpecify the path to the multus-daemon configuration (default " +
    `"${DAEMON_FLAGS.config.default}")`,
    "  -probe endpoint",
    "    \task the running daemon's endpoint (readyz or healthz) over its socket: exit 0 " +
    "on 200, else 1",
    "  -version",
    "    \tShow version",
  ]);
});

Deno.test("daemonUsage() names the program it was invoked as and gives examples", () => {
  const usage = daemonUsage("multus daemon");
  assert(usage.startsWith("Usage of multus daemon:\n"), usage);
  assert(usage.includes("\nExamples:\n  multus-daemon -config "), usage);
  for (const name of Object.keys(DAEMON_FLAGS)) assert(usage.includes(`  -${name}`), name);
});
