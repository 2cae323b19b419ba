/**
 * A node of the runtime tier: Debian's containerd ({@linkcode startContainerd}) calling the
 * CNI plugins through its own libcni, in one of three set-ups:
 *
 * - `cluster`: no Multus, the cluster network's conflist alone in CRI's `conf_dir` (the
 *   baseline);
 * - `thin`: `dist/bin/multus` in CRI's `bin_dir` and a thin `00-multus.conf` (the
 *   {@linkcode multusEnv} config: the API double's kubeconfig) in its `conf_dir`;
 * - `thick`: the real `dist/bin/multus-daemon` ({@linkcode daemonEnv}) generating
 *   `00-multus.conf` into CRI's `conf_dir` from the cluster network, `dist/bin/multus-shim`
 *   in the `bin_dir`.
 *
 * The cluster network is a bridge + host-local + portmap conflist (portmap declares
 * `portMappings`, so the Multus config carries the capability and containerd sends
 * hostPorts). Every Debian plugin is linked into the `bin_dir`. NADs are bridge networks
 * whose host-local leases live in the same dir as the cluster network's. Dispose removes the
 * sandboxes (through CRI), containerd, the daemon, the API double and every bridge.
 *
 * @module
 */
import { type Containerd, startContainerd } from "./containerd.ts";
import { type CriClient, type CriPortMapping, sandboxNetnsPath } from "./cri_client.ts";
import { type MultusEnv, multusEnv, NETWORKS, type TestPod } from "./multus_env.ts";
import { type DaemonEnv, daemonEnv } from "./daemon_env.ts";
import { DEBIAN_CNI_BIN, filesUnder } from "./cni_runtime.ts";
import { deleteHostLink, type LinkAddrs, uniqueName } from "./netns.ts";
import { DIST_BIN } from "./dist.ts";

/** Which plugin containerd runs. */
export type CriMode = "cluster" | "thin" | "thick";

/** The cluster network's subnet (gateway .1). */
export const CLUSTER_SUBNET = "10.244.0.0/24";

/** The fixture. */
export interface CriNode extends AsyncDisposable {
  mode: CriMode;
  containerd: Containerd;
  cri: CriClient;
  /** The Multus fixture (API double, kubeconfig, scratch cache dir); in thick mode a DaemonEnv. */
  env: MultusEnv;
  /** Thick mode: the daemon fixture (restart it with {@linkcode CriNode.startDaemon}). */
  daemon: DaemonEnv | undefined;
  /** Host-local's data dir of every network. */
  ipamDir: string;
  /** The cluster network's conflist (outside CRI's conf_dir unless mode is `cluster`). */
  clusterConflist: string;
  /** Creates a pod in the API double with `networks` as its networks annotation. */
  pod(name: string, networks?: string): TestPod;
  /** A bridge NAD `default/<name>` with host-local in `subnet`. */
  nad(name: string, subnet: string): void;
  /** RunPodSandbox for `pod` (metadata name, namespace and uid are the pod's). */
  run(
    pod: TestPod,
    opts?: { portMappings?: CriPortMapping[]; timeoutMs?: number },
  ): Promise<string>;
  /** The sandbox's network namespace path (from its verbose status). */
  netnsOf(id: string): Promise<string>;
  /** The links and addresses in a network namespace given by path. */
  linksIn(netnsPath: string): Promise<LinkAddrs[]>;
  /** StopPodSandbox then RemovePodSandbox. */
  remove(id: string): Promise<void>;
  /** host-local's leases, as `<network>/<ip>`. */
  leases(): Promise<string[]>;
  /** Files in Multus's scratch cache (`cniDir`). */
  scratch(): Promise<string[]>;
  /** Files in libcni's cache (/var/lib/cni) naming the sandbox. */
  libcniCache(id: string): Promise<string[]>;
  /** Thick mode: starts the daemon again with the node's config (the previous one stopped). */
  startDaemon(): Promise<void>;
}

async function linkAll(from: string, to: string): Promise<void> {
  for await (const e of Deno.readDir(from)) {
    await Deno.symlink(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/** Installs a dist/ binary in `dir` under its own name (hard link, or a copy across fs). */
async function installDist(name: string, dir: string): Promise<void> {
  await Deno.link(`${DIST_BIN}/${name}`, `${dir}/${name}`).catch(() =>
    Deno.copyFile(`${DIST_BIN}/${name}`, `${dir}/${name}`)
  );
}

async function nsenterLinks(netnsPath: string): Promise<LinkAddrs[]> {
  const out = await new Deno.Command("nsenter", {
    args: [`--net=${netnsPath}`, "ip", "-j", "addr"],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(10_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `ip addr in ${netnsPath} failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return text.trim() ? JSON.parse(text) : [];
}

/** Waits until CRI reports NetworkReady (a CNI config is loaded), bounded. */
async function waitNetworkReady(node: Containerd): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const conditions = await node.cri.status();
    if (conditions.find((c) => c.type === "NetworkReady")?.status) return;
    if (Date.now() > deadline) {
      throw new Error(
        `containerd loaded no CNI config from ${node.cniConfDir} in 30 s: ${
          JSON.stringify(conditions)
        }\n${node.log().slice(-4000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Builds the node. Requires root, a built dist/, containerd and runc. `logLevel` is Multus's
 * (thin config or daemon config; default `debug`).
 */
export async function criNode(
  mode: CriMode,
  opts: { logLevel?: "debug" | "error" } = {},
): Promise<CriNode> {
  const logLevel = opts.logLevel ?? "debug";
  const containerd = await startContainerd();
  const links: string[] = [];
  let env: MultusEnv | undefined;
  const dispose = async (): Promise<void> => {
    await containerd[Symbol.asyncDispose]();
    await Promise.resolve(env?.[Symbol.asyncDispose]()).catch(() => {});
    for (const l of links) await deleteHostLink(l);
  };
  try {
    const ipamDir = `${containerd.dir}/ipam`;
    const clusterDir = mode === "cluster" ? containerd.cniConfDir : `${containerd.dir}/cluster`;
    await Deno.mkdir(clusterDir, { recursive: true });
    const clusterBridge = uniqueName("cnicr");
    links.push(clusterBridge);
    const clusterConflist = `${clusterDir}/10-cluster.conflist`;
    await Deno.writeTextFile(
      clusterConflist,
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "cluster",
        plugins: [
          {
            type: "bridge",
            bridge: clusterBridge,
            isGateway: true,
            ipam: {
              type: "host-local",
              subnet: CLUSTER_SUBNET,
              routes: [{ dst: "0.0.0.0/0" }],
              dataDir: ipamDir,
            },
          },
          { type: "portmap", capabilities: { portMappings: true } },
        ],
      }),
    );
    await linkAll(DEBIAN_CNI_BIN, containerd.cniBinDir);
    const daemonConfig = {
      cniConfigDir: containerd.cniConfDir,
      multusAutoconfigDir: clusterDir,
      binDir: containerd.cniBinDir,
      logLevel,
    };
    let daemon: DaemonEnv | undefined;
    if (mode === "thick") {
      await installDist("multus-shim", containerd.cniBinDir);
      daemon = await daemonEnv({ config: daemonConfig });
      env = daemon;
    } else {
      env = await multusEnv();
    }
    if (mode === "thin") {
      await installDist("multus", containerd.cniBinDir);
      await Deno.writeTextFile(
        `${containerd.cniConfDir}/00-multus.conf`,
        JSON.stringify(env.conf({
          clusterNetwork: clusterConflist,
          binDir: containerd.cniBinDir,
          capabilities: { portMappings: true },
          logLevel,
        })),
      );
    }
    await waitNetworkReady(containerd);
    const theEnv = env;
    const node: CriNode = {
      mode,
      containerd,
      cri: containerd.cri,
      env: theEnv,
      daemon,
      ipamDir,
      clusterConflist,
      pod(name, networks) {
        return theEnv.pod(name, networks === undefined ? undefined : { [NETWORKS]: networks });
      },
      nad(name, subnet) {
        const bridge = uniqueName("cnicb");
        links.push(bridge);
        theEnv.api.createNad("default", name, {
          config: {
            cniVersion: "1.0.0",
            type: "bridge",
            bridge,
            ipam: { type: "host-local", subnet, dataDir: ipamDir },
          },
        });
      },
      run(pod, opts = {}) {
        return containerd.cri.runPodSandbox({
          name: pod.name,
          namespace: pod.namespace,
          uid: pod.uid,
          cgroupParent: containerd.cgroupParent,
          ...(opts.portMappings ? { portMappings: opts.portMappings } : {}),
        }, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
      },
      async netnsOf(id) {
        const path = sandboxNetnsPath(await containerd.cri.podSandboxStatus(id, { verbose: true }));
        if (!path) throw new Error(`sandbox ${id} has no network namespace in its status`);
        return path;
      },
      linksIn: nsenterLinks,
      async remove(id) {
        await containerd.cri.stopPodSandbox(id);
        await containerd.cri.removePodSandbox(id);
      },
      async leases() {
        const lease = /\/(\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]*)$/;
        return (await filesUnder(ipamDir)).filter((f) => lease.test(f));
      },
      scratch: () => filesUnder(theEnv.cniDir),
      async libcniCache(id) {
        return (await filesUnder("/var/lib/cni")).filter((f) => f.includes(id));
      },
      async startDaemon() {
        if (!daemon) throw new Error(`startDaemon() in ${mode} mode`);
        await daemon.startDaemon({ config: daemonConfig });
      },
      [Symbol.asyncDispose]: dispose,
    };
    return node;
  } catch (err) {
    await dispose();
    throw err;
  }
}
