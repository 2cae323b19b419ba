// deno-lint-ignore-file no-console
/**
 * The demo's hot-plug (thick mode, `dynamicNetworks: true`): adds a network to the running
 * demo pod by editing its `k8s.v1.cni.cncf.io/networks` annotation, shows the new
 * interface and the updated network-status, then removes it again and shows it gone. The
 * daemon does the work: nothing but the annotation changes here.
 *
 * @module
 */
import type { KubeApiDouble } from "../../tests/support/kube_api/mod.ts";
import type { Cleanup } from "./_cleanup.ts";
import { title } from "./_output.ts";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const STATUS = "k8s.v1.cni.cncf.io/network-status";

/** What the hot-plug step needs from the demo. */
export interface HotplugDemo {
  api: KubeApiDouble;
  cleanup: Cleanup;
  /** The pod's network namespace (`ip netns` name). */
  netns: string;
  /** A fresh host bridge name for the added network (removed by `cleanup`). */
  bridge: string;
  ipamDir: string;
  /** Runs a command and returns its output. */
  sh(cmd: string, ...args: string[]): Promise<string>;
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hot-plug: ${what} did not happen within 30 s (see the daemon's log)`);
}

function setNetworks(api: KubeApiDouble, value: string): void {
  api.updatePod("demo", "demo-pod", (p) => {
    p.metadata.annotations = { ...(p.metadata.annotations ?? {}), [NETWORKS]: value };
  });
}

function events(api: KubeApiDouble, reason: string): string[] {
  return api.events({ objectName: "demo-pod", reason }).map((e) => String(e["message"]));
}

/** Adds `demo/red` as `red0` to the running pod, shows it, removes it, shows it gone. */
export async function showHotplug(d: HotplugDemo): Promise<void> {
  const { api, sh } = d;
  d.cleanup.defer(() => sh("ip", "link", "del", d.bridge));
  api.createNad("demo", "red", {
    config: {
      cniVersion: "1.0.0",
      type: "bridge",
      bridge: d.bridge,
      ipam: { type: "host-local", subnet: "10.254.0.0/24", dataDir: d.ipamDir },
    },
  });
  const before = api.getPod("demo", "demo-pod")?.metadata.annotations?.[NETWORKS] ?? "[]";
  const added = JSON.stringify([...JSON.parse(before), { name: "red", interface: "red0" }]);
  title("hot-plug: the running pod's networks annotation gets demo/red as red0");
  console.log(`${NETWORKS}: ${added}`);
  setNetworks(api, added);
  const addr = () => sh("ip", "-n", d.netns, "-br", "addr");
  const status = () => api.getPod("demo", "demo-pod")?.metadata.annotations?.[STATUS] ?? "";
  await waitFor(
    "red0 in the pod",
    async () => (await addr()).includes("red0") && status().includes('"demo/red"'),
  );
  await waitFor(
    "the AddedInterface event",
    () => Promise.resolve(events(api, "AddedInterface").some((m) => m.startsWith("Add red0"))),
  );
  title(`after the hot-plug: ip -n ${d.netns} addr`);
  console.log(await addr());
  title("network-status, updated by the daemon");
  console.log(status());
  console.log(events(api, "AddedInterface").filter((m) => m.startsWith("Add red0")).join("\n"));

  title("hot-unplug: demo/red taken out of the annotation again");
  setNetworks(api, before);
  await waitFor("red0 gone", async () => !(await addr()).includes("red0"));
  await waitFor(
    "the RemovedInterface event",
    () => Promise.resolve(events(api, "RemovedInterface").length > 0),
  );
  title(`after the hot-unplug: ip -n ${d.netns} addr`);
  console.log(await addr());
  console.log(events(api, "RemovedInterface").join("\n"));
  console.log(`network-status lists demo/red: ${status().includes('"demo/red"')}`);
}
