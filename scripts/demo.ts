// deno-lint-ignore-file no-console
/**
 * `deno task demo`: one node, one pod, three extra networks, end to end.
 *
 * Starts the Kubernetes API test double (HTTPS, token auth), writes a kubeconfig and a
 * cluster network (bridge + host-local), creates three NetworkAttachmentDefinitions:
 * a bridge network the pod attaches as `blue0` (custom interface name), a macvlan network
 * on a veth parent that becomes the pod's default route, and a bridge + tuning network
 * with a static IP and MAC; creates the pod and its network namespace; runs
 * `dist/bin/multus` exactly as kubelet would (CNI ADD), prints the result, `ip addr`,
 * `ip route` and the network-status annotation; then CNI DEL and shows that everything is
 * gone. Nothing is left behind, also when interrupted (Ctrl-C).
 *
 * Flags: `--keep-going` runs DEL even when ADD fails (default); `--thin` is the mode here.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "./build.ts";
import { startKubeApiDouble } from "../tests/support/kube_api/mod.ts";
import { writeKubeconfig } from "../tests/support/kubeconfig.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ args: Deno.args, options: { thin: { type: "boolean" } } });

const id = Math.random().toString(36).slice(2, 7);
const names = {
  netns: `demo-pod-${id}`,
  cluster: `demo-cl-${id}`,
  blue: `demo-bl-${id}`,
  green: `demo-gr-${id}`,
  parent: `demo-p-${id}`,
  peer: `demo-q-${id}`,
};
const cleanups: Array<() => Promise<void>> = [];
let cleaned = false;

async function sh(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${text.trim()}`);
  return text;
}

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch {
      // best effort: the rest still runs
    }
  }
}

function title(text: string): void {
  console.log(`\n\x1b[1m== ${text}\x1b[0m`);
}

async function main(): Promise<number> {
  if (Deno.uid() !== 0) {
    console.error("demo: run as root (it creates a network namespace and links)");
    return 1;
  }
  const mode = values.thin ? "thin" : "thin";
  title(`building dist/ (${mode} mode)`);
  await build();

  const tmp = await Deno.makeTempDir({ prefix: "multus-demo-" });
  cleanups.push(() => Deno.remove(tmp, { recursive: true }));
  const api = await startKubeApiDouble({ tokens: ["demo-token"] });
  cleanups.push(() => api.stop());
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
    cleanups.push(() => sh("ip", "link", "del", link).then(() => {}));
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

  await sh("ip", "netns", "add", names.netns);
  cleanups.push(() => sh("ip", "netns", "del", names.netns).then(() => {}));
  const multusConf = {
    cniVersion: "1.0.0",
    name: "multus-cni-network",
    type: "multus",
    kubeconfig,
    clusterNetwork: `${confDir}/10-cluster.conflist`,
    confDir,
    cniDir: `${tmp}/cni`,
    binDir: "/usr/lib/cni",
  };
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
    const child = new Deno.Command(`${root}/dist/bin/multus`, {
      env: env(command),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(multusConf)));
    await w.close();
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  cleanups.push(async () => void await run("DEL"));

  title("CNI ADD: dist/bin/multus, run as kubelet would");
  const add = await run("ADD");
  console.log(add.stdout || add.stderr);
  if (add.code !== 0) {
    console.error(`ADD failed (exit ${add.code})`);
    return 1;
  }
  title(`ip -n ${names.netns} addr`);
  console.log(await sh("ip", "-n", names.netns, "-br", "addr"));
  title(`ip -n ${names.netns} route`);
  console.log(await sh("ip", "-n", names.netns, "route"));
  title("network-status annotation");
  const status = api.getPod("demo", "demo-pod")?.metadata.annotations
    ?.["k8s.v1.cni.cncf.io/network-status"];
  console.log(status ?? "(none)");
  title("events");
  for (const e of api.events({ objectName: "demo-pod" })) {
    console.log(`${e["type"]} ${e["reason"]}: ${e["message"]}`);
  }
  console.log(`\nAPI requests for this ADD: ${api.count()}`);

  title("CNI DEL");
  const del = await run("DEL");
  console.log(del.code === 0 ? "DEL succeeded" : `DEL failed: ${del.stdout}${del.stderr}`);
  title(`after DEL: ip -n ${names.netns} addr`);
  console.log(await sh("ip", "-n", names.netns, "-br", "addr"));
  const left: string[] = [];
  for await (const e of Deno.readDir(`${tmp}/cni`)) left.push(e.name);
  console.log(`multus cache dir now holds: ${JSON.stringify(left.filter((n) => n !== "results"))}`);
  return del.code === 0 ? 0 : 1;
}

const onSignal = () => {
  console.error("\ndemo: interrupted, cleaning up");
  cleanup().finally(() => Deno.exit(130));
};
Deno.addSignalListener("SIGINT", onSignal);
Deno.addSignalListener("SIGTERM", onSignal);
let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`demo: ${err instanceof Error ? err.message : err}`);
} finally {
  await cleanup();
  title("cleaned up: namespace, links, API server and temp files removed");
}
Deno.exit(code);
