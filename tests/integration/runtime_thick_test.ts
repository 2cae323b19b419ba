/**
 * The runtime tier, thick mode: the real `dist/bin/multus-daemon` generates
 * `00-multus.conf` into containerd's CNI `conf_dir` from the cluster network, containerd
 * calls `dist/bin/multus-shim` from its `bin_dir` (cases in `runtime_cases.ts`), plus what
 * only thick mode has: the daemon going away under the runtime.
 */
import { assertEquals } from "../support/assert.ts";
import { assertAttached, nodeWithNads, registerRuntimeCases } from "./runtime_cases.ts";

registerRuntimeCases("thick");

/** Runs a sandbox, kills the daemon, then `down` while it is down and `after` once it is back. */
async function delWhileDown(
  down: Array<"stop" | "remove">,
  after: Array<"stop" | "remove">,
): Promise<void> {
  await using node = await nodeWithNads("thick");
  const pod = node.pod("orphan", "blue, green, red");
  const id = await node.run(pod);
  const netns = await assertAttached(node, id, pod.uid);
  assertEquals((await node.leases()).length, 4);
  const call = (step: "stop" | "remove") =>
    step === "stop" ? node.cri.stopPodSandbox(id) : node.cri.removePodSandbox(id);
  await node.daemon!.daemon.stop("SIGKILL");
  for (const step of down) await call(step);
  assertEquals(await Deno.stat(netns).then(() => "exists", () => "gone"), "gone");
  await node.startDaemon();
  for (const step of after) await call(step);
  assertEquals(await node.cri.listPodSandbox(), []);
  // The clean-up may run when the DEL arrives or once the daemon is back: wait for it,
  // bounded, then assert.
  const deadline = Date.now() + 30_000;
  while ((await node.leases()).length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assertEquals(await node.leases(), [], "no host-local lease of any network");
  assertEquals(await node.scratch(), [], "no Multus scratch cache");
  assertEquals(await node.libcniCache(id), [], "no libcni cache entry");
}

Deno.test("runtime thick: StopPodSandbox and RemovePodSandbox while the daemon is down succeed, and no host-local lease or scratch cache is left", () =>
  delWhileDown(["stop", "remove"], []));

Deno.test("runtime thick: StopPodSandbox while the daemon is down, RemovePodSandbox once it is back: no host-local lease or scratch cache is left", () =>
  delWhileDown(["stop"], ["remove"]));
