/**
 * The pod both ADD benchmarks use: the cluster network (bridge + host-local) plus three
 * NADs (bridge, macvlan, bridge; host-local), and the floor: the same four delegate
 * configs executed directly, one after another, as a runtime without Multus would.
 *
 * @module
 */
import type { MultusEnv, TestPod } from "../../tests/support/multus_env.ts";
import { uniqueName } from "../../tests/support/netns.ts";
import { timeCommand } from "./stats.ts";

/** The four delegate configs of the floor, in order, with their interface names. */
export interface FloorDelegate {
  ifName: string;
  type: string;
  config: Record<string, unknown>;
}

/** Creates the three NADs and returns the floor's delegates (cluster network first). */
export async function setUpNetworks(env: MultusEnv): Promise<FloorDelegate[]> {
  env.bridgeNad("default", "blue", "10.241.0.0/20");
  const parent = await env.macvlanNad("default", "mv", "10.242.0.0/20");
  env.bridgeNad("default", "green", "10.243.0.0/20");
  const cluster = JSON.parse(await Deno.readTextFile(`${env.confDir}/10-cluster.conflist`));
  // The floor's own bridges, so its subnets never meet Multus's on one bridge.
  const [fc, fb, fg] = ["cnifc", "cnifb", "cnifg"].map((p) => {
    const name = uniqueName(p);
    env.ownLink(name);
    return name;
  });
  const ipam = (subnet: string) => ({
    type: "host-local",
    subnet,
    dataDir: `${env.ipamDir}-floor`,
  });
  return [
    {
      ifName: "eth0",
      type: "bridge",
      config: {
        cniVersion: "1.0.0",
        name: "floor-cluster",
        ...cluster.plugins[0],
        bridge: fc,
        ipam: { ...ipam("10.230.0.0/20"), routes: [{ dst: "0.0.0.0/0" }] },
      },
    },
    {
      ifName: "net1",
      type: "bridge",
      config: {
        cniVersion: "1.0.0",
        name: "floor-blue",
        type: "bridge",
        bridge: fb,
        ipam: ipam("10.231.0.0/20"),
      },
    },
    {
      ifName: "net2",
      type: "macvlan",
      config: {
        cniVersion: "1.0.0",
        name: "floor-mv",
        type: "macvlan",
        master: parent,
        mode: "bridge",
        ipam: ipam("10.232.0.0/20"),
      },
    },
    {
      ifName: "net3",
      type: "bridge",
      config: {
        cniVersion: "1.0.0",
        name: "floor-green",
        type: "bridge",
        bridge: fg,
        ipam: ipam("10.233.0.0/20"),
      },
    },
  ];
}

/** The pod's annotation. */
export const NETWORKS = "blue, mv, green";

/** Runs the floor's ADD (or DEL, in reverse) for one container; returns wall ms. */
export async function floor(
  delegates: FloorDelegate[],
  command: "ADD" | "DEL",
  opts: { containerId: string; netns: string },
): Promise<number> {
  const order = command === "ADD" ? delegates : [...delegates].reverse();
  const start = performance.now();
  for (const d of order) {
    await timeCommand(`/usr/lib/cni/${d.type}`, {
      env: {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        CNI_COMMAND: command,
        CNI_CONTAINERID: opts.containerId,
        CNI_NETNS: opts.netns,
        CNI_IFNAME: d.ifName,
        CNI_PATH: "/usr/lib/cni",
        CNI_ARGS: "IgnoreUnknown=1",
      },
      stdin: JSON.stringify(d.config),
    });
  }
  return performance.now() - start;
}

/** A pod for round `i`. */
export function benchPod(env: MultusEnv, i: number): TestPod {
  return env.pod(`bench-${i}`, { "k8s.v1.cni.cncf.io/networks": NETWORKS });
}
