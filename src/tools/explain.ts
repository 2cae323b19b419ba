/**
 * `multus explain`: what a pod's ADD would do, computed by the ADD's own code with nothing
 * done. The Multus config is loaded as ADD loads it, the readiness file is looked at once,
 * the pod's delegates are resolved and planned by `planPodAdd` (the function ADD calls),
 * and each delegate's plugins are looked up and their configs built by `describeAdd` (the
 * libcni code ADD runs, without its exec). The world comes in read-only: the deps given to
 * the ADD code refuse every exec, write and network-namespace operation, Kubernetes access
 * only reads, and events are collected instead of sent.
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import { buildCniArgs, buildPluginConfig } from "../engine/mod.ts";
import type { MultusConf, PodEvent } from "../engine/multus.ts";
import type { NetworkConfigList } from "../cni/types.ts";
import { addErr, cmdErr } from "../multus/errors.ts";
import { loadConf, waitForReadiness } from "../multus/config.ts";
import { describeAddDelegate, multusRuntime } from "../multus/delegates.ts";
import type { KubeAccess, MultusDeps, Pod } from "../multus/deps.ts";
import { planPodAdd } from "../multus/pod_plan.ts";
import { deviceTaker, type ResolveContext } from "../multus/resolve.ts";

/** One plugin a delegate's ADD would execute. */
export interface ExplainedPlugin {
  type: string;
  /** The binary found in binDir/CNI_PATH; null when none is. */
  path: string | null;
  /** Its stdin as JSON (a later plugin of a conflist also gets the `prevResult`). */
  config: unknown;
}

/** One attachment, in ADD's order (index 0: the cluster network). */
export interface ExplainedAttachment {
  index: number;
  /** `<namespace>/<nad>` for a NAD, else the config's name. */
  network: string;
  ifName: string;
  /** The cluster network (the result returned to the runtime). */
  isDefault: boolean;
  /** Whether this attachment gets the pod's default route. */
  defaultRoute: boolean;
  /** `default-route` gateways the pod requested on it. */
  gateways: string[];
  /** The plugin types, in order. */
  types: string[];
  isConflist: boolean;
  /** False when the network could not be read or planned (see `errors`). */
  resolved: boolean;
  cniVersion: string;
  /** `CNI_ARGS` the delegate gets. */
  cniArgs: string;
  /** The capability args (what becomes each plugin's `runtimeConfig`). */
  runtimeConfig: Record<string, unknown>;
  plugins: ExplainedPlugin[];
}

/** An error the ADD would meet, in Multus's words. */
export interface ExplainedError {
  code: number;
  msg: string;
  details?: string;
}

/** What `multus explain` prints (`-o json`). */
export interface Explanation {
  /** Whether the ADD would succeed. */
  ok: boolean;
  pod: { namespace: string; name: string; uid: string };
  /** The call assumed: container ID, netns, ifName, CNI_PATH search dirs. */
  call: { containerId: string; netns: string; ifName: string; binDirs: string[] };
  /** `thin` (the thin plugin) or `thick` (the daemon: each CNI_ARGS key once). */
  mode: "thin" | "thick";
  attachments: ExplainedAttachment[];
  errors: ExplainedError[];
  /** Warning events the ADD would record on the pod (`NoNetworkFound` for a missing NAD). */
  events: PodEvent[];
}

/** The runtime's side of the ADD that explain assumes. */
export interface ExplainCall {
  containerId: string;
  netns: string;
  ifName: string;
  /** `CNI_PATH` as the runtime would pass it. */
  cniPath: string;
}

/** What {@linkcode explainAdd} reads from. */
export interface ExplainInput {
  /** The Multus CNI config text (a `.conf`, or a `.conflist` whose first plugin is Multus). */
  confText: string;
  pod: Pod;
  /** Where pods and NADs are read (the API, or files); nothing else is used. */
  reads: Pick<KubeAccess, "pods" | "nads" | "dra">;
  /** The ADD's deps; used through {@linkcode readOnlyDeps}. */
  deps: MultusDeps;
  call: ExplainCall;
  /** Look the pod's device-plugin devices up on this node (online mode). */
  devices?: boolean;
}

function refuse(what: string): never {
  throw new CniError(5, `multus explain does not ${what}`);
}

/** `deps` with every effect but reads refused: no exec, no write, no netns operation. */
export function readOnlyDeps(deps: MultusDeps): MultusDeps {
  const { configureLogging: _, observeDelegate: __, ...rest } = deps;
  return {
    ...rest,
    exec: { run: () => Promise.reject(refuse("execute anything")) },
    fs: {
      ...deps.fs,
      writeAtomic: () => Promise.reject(refuse("write files")),
      remove: () => Promise.reject(refuse("remove files")),
      removeTree: () => Promise.reject(refuse("remove files")),
      mkdirp: () => Promise.reject(refuse("create directories")),
    },
    netns: {
      exists: () => Promise.reject(refuse("enter network namespaces")),
      linkNames: () => Promise.reject(refuse("enter network namespaces")),
      applyDefaultRoutes: () => Promise.reject(refuse("change routes")),
    },
    sleep: () => Promise.resolve(),
  };
}

/** Kubernetes access that reads through `reads` and collects events in `events`. */
export function readOnlyAccess(
  reads: Pick<KubeAccess, "pods" | "nads" | "dra">,
  events: PodEvent[],
): KubeAccess {
  return {
    pods: reads.pods,
    nads: reads.nads,
    ...(reads.dra ? { dra: reads.dra } : {}),
    status: { writeNetworkStatus: () => Promise.reject(refuse("write network-status")) },
    events: { record: (_pod, event) => void events.push(event), flush: () => Promise.resolve() },
  };
}

/** The Multus plugin config of a config file: a `.conflist`'s first plugin as libcni builds it. */
function multusConfText(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text; // loadConf words the parse error
  }
  const list = doc as Partial<NetworkConfigList> & Record<string, unknown>;
  const first = Array.isArray(list.plugins) ? list.plugins[0] : undefined;
  if (!first) return text;
  return buildPluginConfig({
    plugin: first,
    name: String(list.name ?? ""),
    cniVersion: String(list.cniVersion ?? "") as MultusConf["cniVersion"],
    command: "ADD",
  });
}

function explained(err: unknown): ExplainedError {
  const e = CniError.from(err);
  return { code: e.code, msg: e.message, ...(e.details ? { details: e.details } : {}) };
}

/** The pod's `CNI_ARGS` as kubelet's runtime (containerd, CRI-O) passes them. */
export function runtimeCniArgs(pod: Pod, containerId: string): string {
  return [
    "IgnoreUnknown=1",
    `K8S_POD_NAMESPACE=${pod.metadata.namespace}`,
    `K8S_POD_NAME=${pod.metadata.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${containerId}`,
    `K8S_POD_UID=${pod.metadata.uid ?? ""}`,
  ].join(";");
}

/**
 * What the ADD of `input.pod` would do and every error it would meet.
 *
 * @throws {CniError} only when the Multus config cannot be loaded (then no ADD could run).
 */
export async function explainAdd(input: ExplainInput): Promise<Explanation> {
  const { pod, call } = input;
  const deps = readOnlyDeps(input.deps);
  const events: PodEvent[] = [];
  const kube = readOnlyAccess(input.reads, events);
  const conf = loadConf(multusConfText(input.confText), deps);
  const uniqueArgs = conf.type === "multus-shim";
  const k8s = {
    podNamespace: pod.metadata.namespace,
    podName: pod.metadata.name,
    podUid: pod.metadata.uid ?? "",
    infraContainerId: call.containerId,
  };
  const problems: CniError[] = [];
  try {
    await waitForReadiness(conf, { ...deps, readiness: { pollMs: 0, timeoutMs: 0 } });
  } catch (err) {
    problems.push(cmdErr(k8s, err));
  }
  const ctx: ResolveContext = {
    conf,
    kube,
    pod,
    deps,
    ...(input.devices ? { takeDevice: deviceTaker(pod, deps, kube) } : {}),
  };
  const { plan, unresolved } = await planPodAdd(ctx, {
    containerId: call.containerId,
    netns: call.netns,
    ifName: call.ifName,
    cniArgs: runtimeCniArgs(pod, call.containerId),
    k8s,
    uniqueArgs,
  }, problems);
  const rt = multusRuntime(conf, deps, call.cniPath);
  const anyGateway = plan.delegates.some((d) => (d.defaultRoute?.gateways.length ?? 0) > 0);
  const attachments: ExplainedAttachment[] = [];
  for (const d of plan.delegates) {
    const resolved = !unresolved.has(d.index);
    const { plugins, errors } = resolved
      ? await describeAddDelegate(d, rt)
      : { plugins: [], errors: [] };
    for (const err of errors) problems.push(addErr(k8s, d.list.name, err));
    const gateways = d.defaultRoute?.gateways ?? [];
    attachments.push({
      index: d.index,
      network: d.name,
      ifName: d.ifName,
      isDefault: d.isMaster,
      defaultRoute: anyGateway ? gateways.length > 0 : d.isMaster,
      gateways,
      types: resolved ? d.list.plugins.map((p) => p.type) : [],
      isConflist: d.isConflist,
      resolved,
      cniVersion: d.list.cniVersion,
      cniArgs: buildCniArgs(d.args),
      runtimeConfig: d.capabilityArgs,
      plugins: plugins.map((p) => ({
        type: p.type,
        path: p.path ?? null,
        config: p.config === undefined ? null : JSON.parse(p.config),
      })),
    });
  }
  return {
    ok: problems.length === 0,
    pod: { namespace: k8s.podNamespace, name: k8s.podName, uid: k8s.podUid },
    call: {
      containerId: call.containerId,
      netns: call.netns,
      ifName: call.ifName,
      binDirs: [...rt.binDirs],
    },
    mode: uniqueArgs ? "thick" : "thin",
    attachments,
    errors: problems.map(explained),
    events,
  };
}
