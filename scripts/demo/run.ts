// deno-lint-ignore-file no-console
/**
 * The demo's body, loaded by `scripts/demo.ts` once `dist/` is built (this module reaches
 * `src/engine/engine.wasm`, a build output, through the test support it uses).
 *
 * Starts the Kubernetes API test double (HTTPS, token auth), writes a kubeconfig and a
 * cluster network (bridge + host-local), creates three NetworkAttachmentDefinitions:
 * a bridge network the pod attaches as `blue0` (custom interface name), a macvlan network
 * on a veth parent that becomes the pod's default route, and a bridge + tuning network
 * with a static IP and MAC; creates the pod and its network namespace; runs
 * the plugin exactly as kubelet would (CNI ADD), prints the result, `ip addr`, `ip route`
 * and the network-status annotation; then CNI DEL and shows that everything is gone.
 * Nothing is left behind, also when interrupted (Ctrl-C).
 *
 * Thick mode (the default, as a node runs it): starts `dist/bin/multus-daemon` with a
 * daemon config (`multusConfigFile: auto`, `dynamicNetworks: true`), waits for it to
 * generate `00-multus.conf` next to the cluster network's config, and runs
 * `dist/bin/multus-shim` with that file on stdin; after the ADD it hot-plugs a network into
 * the running pod and unplugs it again (`hotplug.ts`).
 * `--thin`: runs `dist/bin/multus` (the thin plugin) with a thin Multus config instead.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startKubeApiDouble } from "../../tests/support/kube_api/mod.ts";
import { writeKubeconfig } from "../../tests/support/kubeconfig.ts";
import { createCleanup } from "./_cleanup.ts";
import { title } from "./_output.ts";
import { keptLogPath, startDaemon } from "./daemon.ts";
import { showHotplug } from "./hotplug.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

const id = Math.random().toString(36).slice(2, 7);
const names = {
  netns: `demo-pod-${id}`,
  cluster: `demo-cl-${id}`,
  blue: `demo-bl-${id}`,
  green: `demo-gr-${id}`,
  parent: `demo-p-${id}`,
  red: `demo-rd-${id}`,
  peer: `demo-q-${id}`,
};
const cleanup = createCleanup();

async function sh(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${text.trim()}`);
  return text;
}

/** The demo itself; throws on the first failure. */
async function main(mode: "thick" | "thin"): Promise<void> {
  title(`multus-deno demo, ${mode} mode`);

  const tmp = await Deno.makeTempDir({ prefix: "multus-demo-" });
  cleanup.defer(() => Deno.remove(tmp, { recursive: true }));
  const api = await startKubeApiDouble({ tokens: ["demo-token"] });
  cleanup.defer(() => api.stop());
  const caFile = `${tmp}/ca.crt`;
  await Deno.writeTextFile(caFile, api.caPem ?? "");
  const kubeconfig = await writeKubeconfig(`${tmp}/multus.kubeconfig`, {
    server: api.url,
    caFile,
    token: "demo-token",
  });
  console.log(`API server (test double): ${api.url}, kubeconfig ${kubeconfig}`);

  const confDir = `${tmp}/net.d`;
  await Deno.mkdir(confDir, { recursive: true });
  const ipamDir = `${tmp}/ipam`;
  await Deno.writeTextFile(
    `${confDir}/10-cluster.conflist`,
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [{
        type: "bridge",
        bridge: names.cluster,
        isGateway: true,
        ipam: {
          type: "host-local",
          subnet: "10.250.0.0/24",
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: ipamDir,
        },
      }],
    }),
  );
  for (const link of [names.cluster, names.blue, names.green, names.parent]) {
    cleanup.defer(() => sh("ip", "link", "del", link));
  }
  await sh("ip", "link", "add", names.parent, "type", "veth", "peer", "name", names.peer);
  await sh("ip", "link", "set", names.parent, "up");
  await sh("ip", "link", "set", names.peer, "up");

  api.createNad("demo", "blue", {
    config: {
      cniVersion: "1.0.0",
      type: "bridge",
      bridge: names.blue,
      ipam: { type: "host-local", subnet: "10.251.0.0/24", dataDir: ipamDir },
    },
  });
  api.createNad("demo", "macvlan", {
    config: {
      cniVersion: "1.0.0",
      type: "macvlan",
      master: names.parent,
      mode: "bridge",
      ipam: {
        type: "host-local",
        subnet: "10.252.0.0/24",
        gateway: "10.252.0.1",
        dataDir: ipamDir,
      },
    },
  });
  api.createNad("demo", "static", {
    config: {
      cniVersion: "1.0.0",
      name: "static",
      plugins: [
        {
          type: "bridge",
          bridge: names.green,
          capabilities: { ips: true },
          ipam: { type: "static" },
        },
        { type: "tuning", capabilities: { mac: true } },
      ],
    },
  });
  const networks = [
    { name: "blue", interface: "blue0" },
    { name: "macvlan", "default-route": ["10.252.0.1"] },
    { name: "static", ips: ["10.253.0.10/24"], mac: "02:42:0a:fd:00:0a" },
  ];
  const pod = api.createPod({
    metadata: {
      name: "demo-pod",
      namespace: "demo",
      uid: crypto.randomUUID(),
      annotations: { "k8s.v1.cni.cncf.io/networks": JSON.stringify(networks) },
    },
    spec: { nodeName: "demo-node" },
  });
  title("pod demo/demo-pod asks for");
  console.log(JSON.stringify(networks, null, 2));

  cleanup.defer(() => sh("ip", "netns", "del", names.netns));
  await sh("ip", "netns", "add", names.netns);
  const cniDir = `${tmp}/cni`;
  let plugin = `${root}/dist/bin/multus`;
  let pluginConf: Record<string, unknown> = {
    cniVersion: "1.0.0",
    name: "multus-cni-network",
    type: "multus",
    kubeconfig,
    clusterNetwork: `${confDir}/10-cluster.conflist`,
    confDir,
    cniDir,
    binDir: "/usr/lib/cni",
  };
  if (mode === "thick") {
    plugin = `${root}/dist/bin/multus-shim`;
    pluginConf = await startDaemon({ root, tmp, confDir, cniDir, kubeconfig }, cleanup);
  }
  const env = (command: string) => ({
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: `demo-${id}`,
    CNI_NETNS: `/var/run/netns/${names.netns}`,
    CNI_IFNAME: "eth0",
    CNI_PATH: "/usr/lib/cni",
    CNI_ARGS:
      `IgnoreUnknown=1;K8S_POD_NAMESPACE=demo;K8S_POD_NAME=demo-pod;K8S_POD_INFRA_CONTAINER_ID=demo-${id};K8S_POD_UID=${pod.metadata.uid}`,
  });
  const run = async (command: string) => {
    const child = new Deno.Command(plugin, {
      env: env(command),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(pluginConf)));
    await w.close();
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  cleanup.defer(() => run("DEL"));

  title(`CNI ADD: ${plugin.slice(root.length + 1)}, run as kubelet would`);
  api.clearLog();
  const add = await run("ADD");
  // events are sent off the critical path in thick mode: give them a moment to land
  await new Promise((r) => setTimeout(r, mode === "thick" ? 300 : 0));
  const asked = api.requests().filter((r) => r.verb !== "watch");
  console.log(add.stdout || add.stderr);
  if (add.code !== 0) {
    throw new Error(`CNI ADD failed: ${plugin} exited ${add.code} (its output is above)`);
  }
  console.log(
    "This result is the cluster network's alone: as with Multus, the runtime gets the result\n" +
      "of the cluster network (the master delegate). The pod's other three attachments are\n" +
      "reported in its k8s.v1.cni.cncf.io/network-status annotation, printed below.",
  );
  title(`ip -n ${names.netns} addr`);
  console.log(await sh("ip", "-n", names.netns, "-br", "addr"));
  title(`ip -n ${names.netns} route`);
  console.log(await sh("ip", "-n", names.netns, "route"));
  title("network-status annotation (every attachment, the cluster network first)");
  const status = api.getPod("demo", "demo-pod")?.metadata.annotations
    ?.["k8s.v1.cni.cncf.io/network-status"];
  console.log(status ?? "(none)");
  title("events");
  for (const e of api.events({ objectName: "demo-pod" })) {
    console.log(`${e["type"]} ${e["reason"]}: ${e["message"]}`);
  }
  title(`API requests made by this ADD: ${asked.length}`);
  const tally = new Map<string, number>();
  for (const r of asked) {
    const what = `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ""}`;
    tally.set(what, (tally.get(what) ?? 0) + 1);
  }
  for (const [what, n] of tally) console.log(`${String(n).padStart(3)} x ${what}`);
  if (mode === "thick") {
    console.log(
      "(pods and NADs come from the daemon's informer caches; events are sent after the reply)",
    );
    await showHotplug({ api, cleanup, netns: names.netns, bridge: names.red, ipamDir, sh });
  }

  title("CNI DEL");
  const del = await run("DEL");
  if (del.code !== 0) {
    console.log(del.stdout || del.stderr);
    throw new Error(`CNI DEL failed: ${plugin} exited ${del.code} (its output is above)`);
  }
  console.log("DEL succeeded");
  title(`after DEL: ip -n ${names.netns} addr`);
  console.log(await sh("ip", "-n", names.netns, "-br", "addr"));
  const left: string[] = [];
  for await (const e of Deno.readDir(cniDir)) left.push(e.name);
  console.log(
    `multus cache dir now holds: ${
      JSON.stringify(left.filter((n) => n !== "results" && n !== "sandboxes"))
    }`,
  );
}

/**
 * Runs the demo in `mode` (thick: daemon and shim; thin: the thin plugin) with `dist/`
 * already built; removes everything it created, also when interrupted (SIGINT, SIGTERM),
 * and returns the exit code: 0 on success, 1 on a failure (said last, on stderr), 130 when
 * interrupted.
 */
export async function runDemo(mode: "thick" | "thin"): Promise<number> {
  // Ctrl-C reaches the demo twice (from the terminal and forwarded by `deno task`): the
  // first one starts the clean-up, later ones are ignored so that it can finish.
  let signals = 0;
  const interrupted = new Promise<number>((resolve) => {
    const onSignal = () => {
      if (signals++ > 0) return;
      console.error("\ndemo: interrupted, cleaning up");
      resolve(130);
    };
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
  });
  let failure = "";
  const finished = main(mode).then(() => 0, (err: unknown) => {
    // after an interrupt, main stops at its next step with "interrupted": already said
    if (signals === 0) failure = err instanceof Error ? err.message : String(err);
    return 1;
  });
  const code = await Promise.race([finished, interrupted]);
  await cleanup.run();
  title("cleaned up: namespace, links, API server and temp files removed");
  const log = keptLogPath(root);
  if (mode === "thick" && await Deno.stat(log).then(() => true, () => false)) {
    console.log(`multus-daemon's log is kept: ${log}`);
  }
  // said last, so that it is what a person sees when the demo ends
  if (failure) console.error(`demo: ${failure}`);
  return code;
}
