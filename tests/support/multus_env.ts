/**
 * A node for Multus integration tests: the Kubernetes API double over HTTPS with a token
 * kubeconfig, a Multus config dir and cache dir in a temp directory, a cluster network
 * on disk (bridge + host-local), a pod network namespace, and helpers that run
 * `dist/bin/multus` exactly as kubelet does. Everything it creates is removed on dispose
 * (namespaces, bridges, veth parents, temp files, the API server).
 *
 * In thick mode ({@linkcode testMode}) `cni()` runs `dist/bin/multus-shim` instead, with
 * the same config plus `daemonSocketDir`, in front of a `dist/bin/multus-daemon` started on
 * the first call. Its daemon config holds no Multus CNI key, so it overlays nothing and
 * every call runs with exactly the config the test gave, as the thin plugin would.
 *
 * @module
 */
import { type KubeApiDouble, startKubeApiDouble } from "./kube_api/mod.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { createNetns, deleteHostLink, ip, type Netns, uniqueName } from "./netns.ts";
import { DIST_BIN, runDist, type RunOutput } from "./dist.ts";
import { DEBIAN_CNI_BIN, filesUnder, TEST_CNI_BIN } from "./cni_runtime.ts";
import { testMode } from "./test_mode.ts";

/** The token the fixture's kubeconfig carries. */
export const TEST_TOKEN = "multus-test-token";

/** A pod as the tests create it. */
export interface TestPod {
  namespace: string;
  name: string;
  uid: string;
  annotations?: Record<string, string>;
}

/** Options of one CNI call. */
export interface CniCall {
  command: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";
  pod: TestPod;
  containerId: string;
  /** Default: the fixture's pod namespace. */
  netns?: string;
  ifName?: string;
  /** The Multus config (stdin); default the fixture's. */
  conf?: Record<string, unknown>;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Binary name under dist/bin, or an absolute path (default `multus`). */
  bin?: string;
  timeoutMs?: number;
}

/** The pod annotation Multus writes. */
export const NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status";

/** The pod annotation that selects extra networks. */
export const NETWORKS = "k8s.v1.cni.cncf.io/networks";

/** The fixture. */
export interface MultusEnv extends AsyncDisposable {
  api: KubeApiDouble;
  root: string;
  kubeconfig: string;
  confDir: string;
  cniDir: string;
  ipamDir: string;
  logFile: string;
  netns: Netns;
  /** The cluster network's bridge (10.240.0.0/24, gateway .1). */
  clusterBridge: string;
  /** The Multus config every call uses unless told otherwise. */
  conf(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Creates a pod in the API double. */
  pod(name: string, annotations?: Record<string, string>, namespace?: string): TestPod;
  /** A bridge NAD (host-local in `subnet`, e.g. `10.241.0.0/24`); returns the bridge name. */
  bridgeNad(
    namespace: string,
    name: string,
    subnet: string,
    extra?: Record<string, unknown>,
  ): string;
  /** A macvlan NAD on a fresh veth parent; returns the parent name. */
  macvlanNad(
    namespace: string,
    name: string,
    subnet: string,
    extra?: Record<string, unknown>,
  ): Promise<string>;
  /**
   * A NAD running the recording test plugin (`cnitest-record`, cniVersion 1.0.0); returns
   * the file it records every call in (read it with `recorded()`).
   */
  recorderNad(
    namespace: string,
    name: string,
    extra?: Record<string, unknown>,
    annotations?: Record<string, string>,
  ): string;
  /** A fresh host bridge name, deleted on dispose. */
  bridgeName(): string;
  /** The pod's network-status annotation, parsed; undefined when not written. */
  networkStatus(pod: TestPod): Array<Record<string, unknown>> | undefined;
  /** The addresses host-local holds under `ipamDir`, as `<network>/<ip>`. */
  leases(): Promise<string[]>;
  /** `CNI_PATH` of every call unless told otherwise. */
  cniPath: string;
  /** Registers a host link to delete on dispose. */
  ownLink(name: string): void;
  /** Runs dist/bin/multus (thick mode: dist/bin/multus-shim) as kubelet would. */
  cni(call: CniCall): Promise<RunOutput>;
  /** Thick mode: what the daemon wrote to stderr so far ("" in thin mode). */
  daemonLog(): string;
  /** A second pod namespace (removed on dispose). */
  extraNetns(): Promise<Netns>;
}

/** Builds the fixture. Requires root and a built dist/. */
export async function multusEnv(): Promise<MultusEnv> {
  const root = await Deno.makeTempDir({ prefix: "cnitest-multus-" });
  const links: string[] = [];
  const namespaces: Netns[] = [];
  let api: KubeApiDouble | undefined;
  try {
    api = await startKubeApiDouble({ tokens: [TEST_TOKEN], bookmarkIntervalMs: 200 });
    const caFile = `${root}/ca.crt`;
    await Deno.writeTextFile(caFile, api.caPem ?? "");
    const kubeconfig = await writeKubeconfig(`${root}/multus.kubeconfig`, {
      server: api.url,
      caFile,
      token: TEST_TOKEN,
    });
    const confDir = `${root}/net.d`;
    const cniDir = `${root}/cni`;
    const ipamDir = `${root}/ipam`;
    await Deno.mkdir(confDir, { recursive: true });
    const clusterBridge = uniqueName("cnicl");
    links.push(clusterBridge);
    const clusterConf = {
      cniVersion: "1.0.0",
      name: "cluster",
      plugins: [{
        type: "bridge",
        bridge: clusterBridge,
        isGateway: true,
        ipam: {
          type: "host-local",
          subnet: "10.240.0.0/24",
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: ipamDir,
        },
      }],
    };
    await Deno.writeTextFile(`${confDir}/10-cluster.conflist`, JSON.stringify(clusterConf));
    const netns = await createNetns();
    namespaces.push(netns);
    const logFile = `${root}/multus.log`;
    const theApi = api;
    const cniPath = `${DEBIAN_CNI_BIN}:${TEST_CNI_BIN}`;
    const daemon = lazyDaemon(root, kubeconfig, `${confDir}/10-cluster.conflist`, cniPath);
    const env: MultusEnv = {
      api: theApi,
      root,
      kubeconfig,
      confDir,
      cniDir,
      ipamDir,
      logFile,
      netns,
      clusterBridge,
      conf: (extra = {}) => ({
        cniVersion: "1.0.0",
        name: "multus-cni-network",
        type: "multus",
        kubeconfig,
        clusterNetwork: `${confDir}/10-cluster.conflist`,
        confDir,
        cniDir,
        binDir: DEBIAN_CNI_BIN,
        logLevel: "debug",
        logFile,
        logToStderr: false,
        ...extra,
      }),
      pod(name, annotations, namespace = "default") {
        const uid = crypto.randomUUID();
        theApi.createPod({
          metadata: { name, namespace, uid, ...(annotations ? { annotations } : {}) },
          spec: { nodeName: "node1", containers: [{ name: "c", image: "pause" }] },
        });
        return { namespace, name, uid, ...(annotations ? { annotations } : {}) };
      },
      bridgeNad(namespace, name, subnet, extra = {}) {
        const bridge = uniqueName("cnibr");
        links.push(bridge);
        theApi.createNad(namespace, name, {
          config: {
            cniVersion: "1.0.0",
            type: "bridge",
            bridge,
            ipam: { type: "host-local", subnet, dataDir: ipamDir },
            ...extra,
          },
        });
        return bridge;
      },
      async macvlanNad(namespace, name, subnet, extra = {}) {
        const parent = uniqueName("cnip");
        const peer = uniqueName("cniq");
        await ip("link", "add", parent, "type", "veth", "peer", "name", peer);
        await ip("link", "set", parent, "up");
        await ip("link", "set", peer, "up");
        links.push(parent);
        theApi.createNad(namespace, name, {
          config: {
            cniVersion: "1.0.0",
            type: "macvlan",
            master: parent,
            mode: "bridge",
            ipam: { type: "host-local", subnet, dataDir: ipamDir },
            ...extra,
          },
        });
        return parent;
      },
      recorderNad(namespace, name, extra = {}, annotations) {
        const recordFile = `${root}/record-${namespace}-${name}.jsonl`;
        theApi.createNad(namespace, name, {
          config: { cniVersion: "1.0.0", type: "cnitest-record", recordFile, ...extra },
          ...(annotations ? { annotations } : {}),
        });
        return recordFile;
      },
      bridgeName() {
        const bridge = uniqueName("cnibr");
        links.push(bridge);
        return bridge;
      },
      networkStatus(pod) {
        const text = theApi.getPod(pod.namespace, pod.name)?.metadata.annotations?.[NETWORK_STATUS];
        return text === undefined ? undefined : JSON.parse(text);
      },
      async leases() {
        const lease = /\/(\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]*)$/;
        return (await filesUnder(ipamDir)).filter((f) => lease.test(f));
      },
      cniPath,
      ownLink: (name) => void links.push(name),
      cni(call) {
        const args = [
          "IgnoreUnknown=1",
          `K8S_POD_NAMESPACE=${call.pod.namespace}`,
          `K8S_POD_NAME=${call.pod.name}`,
          `K8S_POD_INFRA_CONTAINER_ID=${call.containerId}`,
          `K8S_POD_UID=${call.pod.uid}`,
        ].join(";");
        const env_ = {
          CNI_COMMAND: call.command,
          CNI_CONTAINERID: call.containerId,
          CNI_NETNS: call.netns ?? netns.path,
          CNI_IFNAME: call.ifName ?? "eth0",
          CNI_PATH: cniPath,
          CNI_ARGS: args,
          ...call.env,
        };
        const conf = call.conf ?? env.conf();
        if (testMode() === "thick" && (call.bin ?? "multus") === "multus") {
          return daemon.start().then(async (socketDir) =>
            unwrapShimError(
              await runDist("multus-shim", {
                env: env_,
                stdin: JSON.stringify({ ...conf, type: "multus-shim", daemonSocketDir: socketDir }),
                timeoutMs: call.timeoutMs ?? 60_000,
              }),
              call,
            )
          );
        }
        return runDist(call.bin ?? "multus", {
          env: env_,
          stdin: JSON.stringify(conf),
          timeoutMs: call.timeoutMs ?? 60_000,
        });
      },
      daemonLog: () => daemon.log(),
      async extraNetns() {
        const ns = await createNetns();
        namespaces.push(ns);
        return ns;
      },
      async [Symbol.asyncDispose]() {
        await daemon.stop();
        for (const ns of namespaces) await ns.remove();
        for (const link of links) await deleteHostLink(link);
        await theApi.stop();
        await Deno.remove(root, { recursive: true }).catch(() => {});
      },
    };
    return env;
  } catch (err) {
    for (const ns of namespaces) await ns.remove();
    for (const link of links) await deleteHostLink(link);
    await api?.stop();
    await Deno.remove(root, { recursive: true }).catch(() => {});
    throw err;
  }
}

/**
 * The thick-mode daemon of a fixture: started on first use with a daemon config that holds
 * no Multus CNI key (its own socket, the fixture's kubeconfig, and a config file to install
 * into a directory of its own), stopped on dispose.
 */
function lazyDaemon(root: string, kubeconfig: string, clusterNetwork: string, cniPath: string): {
  start(): Promise<string>;
  stop(): Promise<void>;
  log(): string;
} {
  const socketDir = `${root}/run/multus/`;
  let starting: Promise<string> | null = null;
  let child: Deno.ChildProcess | null = null;
  let log = "";
  return {
    start() {
      starting ??= (async () => {
        // multusConfigFile names a file to copy (not "auto", which would make cniVersion
        // a daemon key and so overlay every call's).
        const own = `${root}/daemon-own`;
        await Deno.mkdir(own, { recursive: true });
        await Deno.writeTextFile(
          `${own}/00-multus.conf`,
          JSON.stringify({
            cniVersion: "1.0.0",
            name: "multus-cni-network",
            type: "multus-shim",
            clusterNetwork,
            daemonSocketDir: socketDir,
          }),
        );
        const configPath = `${root}/daemon-config.json`;
        await Deno.writeTextFile(
          configPath,
          JSON.stringify({
            socketDir,
            kubeconfig,
            multusConfigFile: `${own}/00-multus.conf`,
            cniConfigDir: `${root}/daemon-net.d`,
          }),
        );
        child = new Deno.Command(`${DIST_BIN}/multus-daemon`, {
          args: ["-config", configPath],
          env: {
            PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
            MULTUS_NODE_NAME: "node1",
            CNI_PATH: cniPath,
          },
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const decoder = new TextDecoder();
        for (const s of [child.stdout, child.stderr]) {
          (async () => {
            for await (const chunk of s) log += decoder.decode(chunk);
          })().catch(() => {});
        }
        const { waitReady } = await import("./daemon_env.ts");
        if (!(await waitReady(`${socketDir}multus.sock`, 30_000))) {
          throw new Error(`multus-daemon did not become ready:\n${log}`);
        }
        return socketDir;
      })();
      return starting;
    },
    async stop() {
      if (!child) return;
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      child = null;
    },
    log: () => log,
  };
}

/** The prefix shim + daemon put before the orchestration's own message (Multus 2.13, 2.15). */
export function shimPrefix(call: Pick<CniCall, "command" | "pod">): string {
  switch (call.command) {
    case "ADD":
      return `CmdAdd (shim): error configuring pod [${call.pod.namespace}/${call.pod.name}] networking: `;
    case "DEL":
      return "CmdDel (shim): ";
    case "CHECK":
      return "CmdCheck (shim): ";
    case "GC":
      return "CmdGC (shim): ";
    case "STATUS":
      return "CmdStatus (shim): ";
  }
}

/**
 * Thick mode: a CNI error whose message carries exactly the shim's documented prefix comes
 * back without it, so the thin cases' message assertions check the same text in both
 * modes (the prefix itself is asserted by `thick_test.ts`). Any other output is unchanged.
 */
function unwrapShimError(out: RunOutput, call: CniCall): RunOutput {
  const err = out.json as { msg?: unknown } | undefined;
  const prefix = shimPrefix(call);
  if (out.code === 0 || typeof err?.msg !== "string" || !err.msg.startsWith(prefix)) return out;
  const json = { ...err, msg: err.msg.slice(prefix.length) };
  return { ...out, json, stdout: JSON.stringify(json, null, 4) };
}
