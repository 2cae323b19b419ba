/**
 * The runtime tier, thin mode: Debian's containerd runs sandboxes through CRI and calls
 * `dist/bin/multus` from its `bin_dir` with the thin `00-multus.conf` (cases in
 * `runtime_cases.ts`). Also the baseline without Multus, so a broken runtime set-up is told
 * apart from a Multus failure.
 */
import { assertEquals } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { CLUSTER_SUBNET, criNode } from "../support/cri_runtime.ts";
import { assertGone, inSubnet, registerRuntimeCases, v4 } from "./runtime_cases.ts";

Deno.test("runtime cluster: containerd without Multus runs a sandbox on the cluster network and removes it without a trace", async () => {
  requireRoot();
  await using node = await criNode("cluster");
  const version = await node.cri.version();
  assertEquals(version.runtimeName, "containerd");
  const pod = node.pod("plain");
  const id = await node.run(pod);
  const status = await node.cri.podSandboxStatus(id);
  assertEquals(status.state, "READY");
  const netns = await node.netnsOf(id);
  const links = await node.linksIn(netns);
  assertEquals(links.map((l) => l.ifname).sort(), ["eth0", "lo"]);
  assertEquals(inSubnet(v4(links, "eth0"), CLUSTER_SUBNET), true);
  assertEquals(status.ips, [v4(links, "eth0")!]);
  await node.remove(id);
  await assertGone(node, id, netns);
});

registerRuntimeCases("thin");
