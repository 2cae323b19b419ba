/**
 * A node for Multus integration tests: the Kubernetes API double over HTTPS with a token
 * kubeconfig, a Multus config dir and cache dir in a temp directory, a cluster network
 * on disk (bridge + host-local), a pod network namespace, and helpers that run
 * `dist/bin/multus` exactly as kubelet does. Everything it creates is removed on dispose
 * (namespaces, bridges, veth parents, temp files, the API server).
 *
 * @module
 */
import { type KubeApiDouble, startKubeApiDouble } from "./kube_api/mod.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { createNetns, deleteHostLink, ip, type Netns, uniqueName } from "./netns.ts";
import { runDist, type RunOutput } from "./dist.ts";
import { DEBIAN_CNI_BIN, filesUnder, TEST_CNI_BIN } from "./cni_runtime.ts";

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
  /** Binary name under dist/bin (default `multus`). */
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
  recorderNad(namespace: string, name: string, extra?: Record<string, unknown>): string;
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
  /** Runs dist/bin/multus as kubelet would. */
  cni(call: CniCall): Promise<RunOutput>;
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
      recorderNad(namespace, name, extra = {}) {
        const recordFile = `${root}/record-${namespace}-${name}.jsonl`;
        theApi.createNad(namespace, name, {
          config: { cniVersion: "1.0.0", type: "cnitest-record", recordFile, ...extra },
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
        return runDist(call.bin ?? "multus", {
          env: {
            CNI_COMMAND: call.command,
            CNI_CONTAINERID: call.containerId,
            CNI_NETNS: call.netns ?? netns.path,
            CNI_IFNAME: call.ifName ?? "eth0",
            CNI_PATH: cniPath,
            CNI_ARGS: args,
            ...call.env,
          },
          stdin: JSON.stringify(call.conf ?? env.conf()),
          timeoutMs: call.timeoutMs ?? 60_000,
        });
      },
      async extraNetns() {
        const ns = await createNetns();
        namespaces.push(ns);
        return ns;
      },
      async [Symbol.asyncDispose]() {
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
