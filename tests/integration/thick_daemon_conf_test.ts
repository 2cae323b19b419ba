/**
 * The daemon's generated `00-multus.conf` carries the daemon config's
 * `daemonReadyTimeoutSeconds` (ours) to every shim (issue 9, point 6), through
 * `dist/bin/multus-daemon` and `dist/bin/multus-shim`.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { daemonEnv } from "../support/daemon_env.ts";

Deno.test("thick: daemonReadyTimeoutSeconds reaches the generated 00-multus.conf and bounds the shim's wait", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { daemonReadyTimeoutSeconds: 2 } });
  const generated = JSON.parse(await Deno.readTextFile(`${env.confDir}/00-multus.conf`));
  assertEquals(generated.daemonReadyTimeoutSeconds, 2);
  const pod = env.pod("waits");
  assertEquals(await env.daemon.stop("SIGKILL"), 137);
  // The runtime hands the shim the generated file as it is.
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-w", conf: generated });
  assertEquals(add.code, 1, add.stdout + add.stderr);
  assertMatch(
    (add.json as { msg: string }).msg,
    /^CmdAdd \(shim\): multus-daemon is not ready at .*multus\.sock after 2 s: /,
  );
});

Deno.test("thick: without daemonReadyTimeoutSeconds the generated config has no such key (Multus's keys only)", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const generated = JSON.parse(await Deno.readTextFile(`${env.confDir}/00-multus.conf`));
  assertEquals("daemonReadyTimeoutSeconds" in generated, false);
});

Deno.test("thick: a daemonReadyTimeoutSeconds that is not positive stops the daemon with the reason", async () => {
  requireRoot();
  await using env = await daemonEnv();
  await env.daemon.stop("SIGKILL");
  const daemon = await env.startDaemon({
    config: { daemonReadyTimeoutSeconds: 0 },
    waitReady: false,
  });
  const code = await daemon.exited;
  assertEquals(code === 0, false, daemon.log());
  assertMatch(daemon.log(), /daemonReadyTimeoutSeconds/);
});
