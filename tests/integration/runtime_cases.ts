/**
 * The runtime tier's cases, registered once per mode by `runtime_thin_test.ts` and
 * `runtime_thick_test.ts`: Debian's containerd runs the sandboxes through CRI, its own
 * libcni calls the Multus plugin (thin) or shim (thick), and the tests look at what a node
 * would have: the sandbox's netns, host-local's leases, iptables, the pod's network-status
 * in the API double, Multus's scratch cache and libcni's.
 *
 * @module
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { CLUSTER_SUBNET, type CriMode, type CriNode, criNode } from "../support/cri_runtime.ts";
import type { LinkAddrs } from "../support/netns.ts";

/** The three NADs of the cases: name -> subnet. */
export const NADS = {
  blue: "10.245.0.0/24",
  green: "10.246.0.0/24",
  red: "10.247.0.0/24",
} as const;

/** The IPv4 address of `ifname`, or undefined. */
export function v4(links: LinkAddrs[], ifname: string): string | undefined {
  return links.find((l) => l.ifname === ifname)?.addr_info.find((a) => a.family === "inet")?.local;
}

/** Whether `ip` is in the /24 `subnet`. */
export function inSubnet(ip: string | undefined, subnet: string): boolean {
  return ip !== undefined && ip.startsWith(subnet.slice(0, subnet.lastIndexOf(".") + 1));
}

/** A node with the three NADs. */
export async function nodeWithNads(mode: CriMode): Promise<CriNode> {
  requireRoot();
  const node = await criNode(mode);
  for (const [name, subnet] of Object.entries(NADS)) node.nad(name, subnet);
  return node;
}

/** Asserts a ready sandbox with eth0 on the cluster network and net1..3 on the NADs. */
export async function assertAttached(node: CriNode, id: string, uid: string): Promise<string> {
  const status = await node.cri.podSandboxStatus(id);
  assertEquals([status.state, status.uid], ["READY", uid]);
  const netns = await node.netnsOf(id);
  const links = await node.linksIn(netns);
  const eth0 = v4(links, "eth0");
  assert(inSubnet(eth0, CLUSTER_SUBNET), `eth0 ${eth0} in ${CLUSTER_SUBNET}`);
  assertEquals(status.ips, [eth0!], "CRI reports the cluster network's IP");
  const subnets = Object.values(NADS);
  for (const [i, subnet] of subnets.entries()) {
    const addr = v4(links, `net${i + 1}`);
    assert(inSubnet(addr, subnet), `net${i + 1} ${addr} in ${subnet}`);
  }
  return netns;
}

/** Runs `iptables -t nat -S` and returns the rules naming `--dport <port>`. */
export async function natRulesFor(port: number): Promise<string[]> {
  const out = await new Deno.Command("iptables", {
    args: ["-w", "5", "-t", "nat", "-S"],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  if (!out.success) throw new Error(`iptables -t nat -S: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) =>
    new RegExp(`--dports? ${port}\\b`).test(l)
  );
}

/** Asserts nothing is left of the removed sandbox `id` whose netns was `netns`. */
export async function assertGone(node: CriNode, id: string, netns: string): Promise<void> {
  assertEquals(await Deno.stat(netns).then(() => "exists", () => "gone"), "gone", netns);
  assertEquals(await node.leases(), [], "no host-local lease");
  assertEquals(await node.scratch(), [], "no Multus scratch cache");
  assertEquals(await node.libcniCache(id), [], "no libcni cache entry");
  assertEquals((await node.cri.listPodSandbox()).map((s) => s.id), []);
}

/** Registers the cases shared by thin and thick mode. */
export function registerRuntimeCases(mode: "thin" | "thick"): void {
  const name = (text: string): string => `runtime ${mode}: ${text}`;

  Deno.test(
    name(
      "a pod with the cluster network and three NADs: ready, all four interfaces in the sandbox's netns, network-status written; RemovePodSandbox leaves no netns, lease or cache",
    ),
    async () => {
      await using node = await nodeWithNads(mode);
      const pod = node.pod("web", "blue, green, red");
      const id = await node.run(pod);
      const netns = await assertAttached(node, id, pod.uid);
      const status = node.env.networkStatus(pod) ?? [];
      assertEquals(status.map((s) => [s["name"], s["interface"]]), [
        ["cluster", "eth0"],
        ["default/blue", "net1"],
        ["default/green", "net2"],
        ["default/red", "net3"],
      ]);
      const links = await node.linksIn(netns);
      assertEquals(
        status.map((s) => (s["ips"] as string[] | undefined)?.[0]),
        ["eth0", "net1", "net2", "net3"].map((i) => v4(links, i)),
      );
      assertEquals((await node.leases()).length, 4);
      await node.cri.stopPodSandbox(id);
      await node.cri.removePodSandbox(id);
      await assertGone(node, id, netns);
    },
  );

  Deno.test(
    name(
      "a hostPort reaches portmap through the Multus config's capability: its DNAT rule exists while the sandbox runs and is gone after StopPodSandbox",
    ),
    async () => {
      await using node = await nodeWithNads(mode);
      const conf = JSON.parse(
        await Deno.readTextFile(`${node.containerd.cniConfDir}/00-multus.conf`),
      ) as { type?: string; capabilities?: Record<string, boolean> };
      assertEquals(
        [conf.type, conf.capabilities?.["portMappings"]],
        [mode === "thin" ? "multus" : "multus-shim", true],
        "the config containerd loaded (thick: the daemon's, from the cluster network's portmap)",
      );
      const pod = node.pod("ported", "blue");
      const hostPort = 30000 + Math.floor(Math.random() * 2700);
      const id = await node.run(pod, { portMappings: [{ containerPort: 8080, hostPort }] });
      const status = await node.cri.podSandboxStatus(id);
      const podIp = status.ips[0];
      const rules = await natRulesFor(hostPort);
      assert(
        rules.some((r) => r.includes(`-j DNAT --to-destination ${podIp}:8080`)),
        `a DNAT rule to ${podIp}:8080 for host port ${hostPort} in\n${rules.join("\n")}`,
      );
      await node.cri.stopPodSandbox(id);
      assertEquals(await natRulesFor(hostPort), [], "no rule left after StopPodSandbox");
      await node.cri.removePodSandbox(id);
    },
  );

  Deno.test(
    name(
      "five sandboxes at once are all ready with distinct addresses and their network-status; all removed, nothing is left",
    ),
    async () => {
      await using node = await nodeWithNads(mode);
      const pods = [1, 2, 3, 4, 5].map((i) => node.pod(`burst-${i}`, "blue, green, red"));
      const ids = await Promise.all(pods.map((p) => node.run(p, { timeoutMs: 180_000 })));
      const netnses: string[] = [];
      const addrs = new Set<string>();
      for (const [i, id] of ids.entries()) {
        const netns = await assertAttached(node, id, pods[i]!.uid);
        netnses.push(netns);
        for (const l of await node.linksIn(netns)) {
          for (const a of l.addr_info) {
            if (a.family === "inet" && l.ifname !== "lo") {
              addrs.add(a.local);
            }
          }
        }
        assertEquals(node.env.networkStatus(pods[i]!)?.length, 4, pods[i]!.name);
      }
      assertEquals(addrs.size, 20, "20 distinct addresses");
      await Promise.all(ids.map((id) => node.remove(id)));
      for (const [i, id] of ids.entries()) {
        assertEquals(await Deno.stat(netnses[i]!).then(() => "exists", () => "gone"), "gone");
        assertEquals(await node.libcniCache(id), []);
      }
      assertEquals(await node.leases(), []);
      assertEquals(await node.scratch(), []);
      assertEquals(await node.cri.listPodSandbox(), []);
    },
  );

  Deno.test(
    name(
      "a missing NAD fails RunPodSandbox with Multus's text in the CRI error, and nothing is left",
    ),
    async () => {
      await using node = await nodeWithNads(mode);
      const pod = node.pod("lost", "blue, nope");
      const err = await assertRejects(() => node.run(pod), Error);
      assertStringIncludes(err.message, "RunPodSandbox: rpc error");
      assertStringIncludes(
        err.message,
        "cannot find a network-attachment-definition (nope) in namespace (default)",
      );
      assertEquals(await node.leases(), [], "the ADD rolled back and containerd's DEL ran");
      assertEquals(await node.scratch(), []);
      assertEquals(await node.cri.listPodSandbox(), []);
      assertEquals(node.env.networkStatus(pod), undefined);
    },
  );
}
