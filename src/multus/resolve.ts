/**
 * Turning a pod's networks into delegate configs, in Multus's order: the cluster
 * network (`clusterNetwork`: a NAD in `multusNamespace`, a config in `confDir` by name,
 * a directory, a `.conflist` with its subdirectory chain, or a `.conf` path) or the
 * static `delegates`; then `defaultNetworks` (not for `systemNamespaces`); the
 * `v1.multus-cni.io/default-network` annotation replacing the cluster network; the
 * `k8s.v1.cni.cncf.io/networks` elements; the auxiliary chain. The I/O happens here;
 * every decision about the configs is the engine's.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import {
  chainConflist,
  type DelegateConf,
  loadDelegate,
  lookupConfFile,
  type MultusConf,
  nadConfig,
  type NetworkSelection,
  podNetworkRequests,
} from "../engine/multus.ts";
import { isNotFound, isRetriable } from "../kube/mod.ts";
import type { KubeAccess, MultusDeps, Nad, Pod } from "./deps.ts";
import { messageOf } from "./errors.ts";
import type { DeviceMap } from "./pod_resources.ts";
import { importLazily } from "../platform/lazy_import.ts";

/** What resolution needs. */
export interface ResolveContext {
  conf: MultusConf;
  kube: KubeAccess | null;
  pod: Pod | null;
  deps: MultusDeps;
  /**
   * The next of the pod's device IDs for a device-plugin resource (ADD; see
   * `pod_resources.ts`), undefined when the pod has no more.
   */
  takeDevice?: (resourceName: string) => Promise<string | undefined>;
}

const CONF_EXTENSIONS = [".conf", ".json", ".conflist"];

/** The CNI code for a failed API read: 7 for a missing object, 11 when worth retrying. */
function apiErrorCode(err: unknown): number {
  if (err instanceof CniError) return err.code;
  if (isNotFound(err)) return CniCode.InvalidNetworkConfig;
  if (isRetriable(err)) return CniCode.TryAgainLater;
  return CniCode.Internal;
}

async function readConfigFiles(
  dir: string,
  deps: MultusDeps,
  extensions: string[],
): Promise<Array<{ name: string; text: string }>> {
  const names = (await deps.fs.list(dir)) ?? [];
  const out: Array<{ name: string; text: string }> = [];
  for (const name of names) {
    if (!extensions.some((ext) => name.endsWith(ext))) continue;
    const text = await deps.fs.readText(`${dir}/${name}`);
    if (text !== null) out.push({ name, text });
  }
  return out;
}

/** nad-client `GetCNIConfigFromFile`: the config named `name` in `dir`. */
async function configFromDir(name: string, dir: string, deps: MultusDeps): Promise<string> {
  const files = await readConfigFiles(dir, deps, CONF_EXTENSIONS);
  return lookupConfFile(name, { dir, files }).configText;
}

/**
 * The NAD `namespace/name`. An empty name (the empty item of `net1,`) is refused without
 * a request, with client-go's words, so that Multus's `cannot find a
 * network-attachment-definition () in namespace (ns): ...` follows.
 */
function getNad(kube: KubeAccess, namespace: string, name: string): Promise<Nad> {
  if (name === "") {
    return Promise.reject(
      new CniError(CniCode.InvalidNetworkConfig, "resource name may not be empty"),
    );
  }
  return kube.nads.getNad(namespace, name);
}

/**
 * A NAD's delegate (Multus `getKubernetesDelegate`); records `NoNetworkFound` on the pod
 * when the NAD cannot be read.
 */
export async function nadDelegate(
  element: NetworkSelection,
  ctx: ResolveContext,
  fetched?: Promise<Nad>,
): Promise<DelegateConf> {
  const { kube, pod, conf, deps } = ctx;
  if (!kube) throw new CniError(CniCode.InvalidNetworkConfig, "no Kubernetes client to read NADs");
  let nad;
  try {
    nad = await (fetched ?? getNad(kube, element.namespace, element.name));
  } catch (err) {
    const why =
      `cannot find a network-attachment-definition (${element.name}) in namespace (${element.namespace}): ${
        messageOf(err)
      }`;
    if (pod) kube.events.record(pod, { type: "Warning", reason: "NoNetworkFound", message: why });
    throw new CniError(apiErrorCode(err), `getKubernetesDelegate: ${why}`, { cause: err });
  }
  const cfg = nadConfig(nad);
  const configText = "configText" in cfg
    ? cfg.configText
    : await configFromDir(cfg.nadName, conf.confDir, deps).catch((err) => {
      throw CniError.from(err).withPrefix("GetCNIConfig: err in GetCNIConfigFromFile: ");
    });
  let deviceID: string | undefined;
  if (cfg.resourceName && ctx.takeDevice) {
    try {
      deviceID = await ctx.takeDevice(cfg.resourceName);
    } catch (err) {
      const source = err instanceof DeviceLookupError ? err.source : "ResourceClient";
      const what = err instanceof DeviceLookupError && err.noInstance
        ? "a ResourceClient instance"
        : `resourceMap from ${source}`;
      throw new CniError(
        CniCode.TryAgainLater,
        `getKubernetesDelegate: failed to get ${what}: ${messageOf(err)}`,
        { cause: err },
      );
    }
    if (deviceID === undefined) {
      deps.logger.verbose(
        `getKubernetesDelegate: pod has no (more) devices of resource ${cfg.resourceName}`,
      );
    }
  }
  return loadDelegate(configText, {
    element,
    ...(cfg.resourceName ? { resourceName: cfg.resourceName } : {}),
    ...(deviceID ? { deviceID } : {}),
  });
}

/** A failed device lookup, naming its source as Multus's messages do. */
export class DeviceLookupError extends Error {
  /** `ResourceClient` (kubelet) or `DRA client`. */
  readonly source: "ResourceClient" | "DRA client";
  /** The node has no device information at all (Multus: no ResourceClient instance). */
  readonly noInstance: boolean;

  constructor(source: DeviceLookupError["source"], cause: unknown) {
    super(messageOf(cause), { cause });
    this.source = source;
    this.noInstance = cause instanceof Error && cause.name === "NoResourceClientError";
  }
}

/**
 * Hands out the pod's device IDs per resource, in sorted order: the kubelet's (device
 * plugins) and then DRA's, read once and only when a NAD names a resource.
 */
export function deviceTaker(
  pod: Pod,
  deps: Pick<MultusDeps, "fs" | "env" | "logger">,
  kube: KubeAccess | null,
): (resourceName: string) => Promise<string | undefined> {
  let map: Promise<DeviceMap> | undefined;
  const next = new Map<string, number>();
  const load = async (): Promise<DeviceMap> => {
    // Loaded only for a pod whose NADs name a resource: every other exec skips them.
    const [{ podDeviceMap }, { addDraDevices, hasDraClaims }] = await Promise.all([
      importLazily<typeof import("./pod_resources.ts")>(
        new URL("./pod_resources.ts", import.meta.url),
      ),
      importLazily<typeof import("./dra.ts")>(new URL("./dra.ts", import.meta.url)),
    ]);
    let m: DeviceMap;
    try {
      m = await podDeviceMap({
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid ?? "",
      }, deps);
    } catch (err) {
      throw new DeviceLookupError("ResourceClient", err);
    }
    if (kube?.dra && hasDraClaims(pod)) {
      try {
        await addDraDevices(pod, kube.dra, m, deps.logger);
      } catch (err) {
        throw new DeviceLookupError("DRA client", err);
      }
    }
    for (const ids of m.values()) ids.sort(); // both sources, as Multus sorts them
    return m;
  };
  return async (resourceName) => {
    map ??= load();
    const ids = (await map).get(resourceName) ?? [];
    const i = next.get(resourceName) ?? 0;
    if (i >= ids.length) return undefined;
    next.set(resourceName, i + 1);
    return ids[i];
  };
}

async function conflistWithChain(path: string, deps: MultusDeps): Promise<string> {
  const text = await deps.fs.readText(path);
  if (text === null) throw new Error(`error loading CNI conflist file ${path}: no such file`);
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  let name: string;
  try {
    name = String(JSON.parse(text)?.name ?? "");
  } catch {
    name = "";
  }
  const extra = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)
    ? await readConfigFiles(`${dir}/${name}`, deps, [".conf"])
    : [];
  try {
    return chainConflist({ text, extraPlugins: extra }).configText;
  } catch (err) {
    throw CniError.from(err).withPrefix(`error loading CNI conflist file ${path}: `);
  }
}

/** Multus `getNetDelegate`: a clusterNetwork/defaultNetworks value to a delegate. */
export async function networkDelegate(value: string, ctx: ResolveContext): Promise<DelegateConf> {
  const { conf, deps } = ctx;
  if (!value.includes("/")) {
    let nadError: unknown;
    if (ctx.kube) {
      try {
        return await nadDelegate({ name: value, namespace: conf.multusNamespace }, {
          ...ctx,
          pod: null,
        });
      } catch (err) {
        nadError = err;
      }
    }
    try {
      return loadDelegate(await configFromDir(value, conf.confDir, deps));
    } catch (err) {
      const nadWhy = nadError ? `${messageOf(nadError)}; ` : "";
      throw new CniError(
        CniCode.InvalidNetworkConfig,
        `getNetDelegate: cannot find network: ${value} (${nadWhy}${messageOf(err)})`,
        { cause: err },
      );
    }
  }
  const info = await deps.fs.stat(value);
  if (!info) {
    throw new CniError(CniCode.InvalidNetworkConfig, `stat ${value}: no such file or directory`);
  }
  if (info.isDirectory) {
    const files = await readConfigFiles(value, deps, [".conf", ".conflist"]);
    if (files.length === 0) {
      throw new CniError(
        CniCode.InvalidNetworkConfig,
        `getNetDelegate: cannot find network: ${value}`,
      );
    }
    return loadDelegate(lookupConfFile("", { dir: value, files }).configText);
  }
  if (value.endsWith(".conflist")) return loadDelegate(await conflistWithChain(value, deps));
  const text = await deps.fs.readText(value);
  if (text === null) {
    throw new CniError(CniCode.InvalidNetworkConfig, `stat ${value}: no such file or directory`);
  }
  const dir = value.slice(0, value.lastIndexOf("/")) || "/";
  const name = value.slice(value.lastIndexOf("/") + 1);
  return loadDelegate(
    lookupConfFile("", { dir, files: [{ name, text }], mode: "file" }).configText,
  );
}

/**
 * The cluster network and `defaultNetworks` (Multus `GetDefaultNetworks`), or the static
 * `delegates` when no `clusterNetwork` is set. The first delegate is the master.
 */
export async function clusterDelegates(ctx: ResolveContext): Promise<DelegateConf[]> {
  const { conf, pod } = ctx;
  if (!conf.clusterNetwork) {
    if (conf.delegates.length === 0 && !ctx.kube) {
      throw new CniError(
        CniCode.InvalidNetworkConfig,
        "GetDefaultNetworks: must have either Kubernetes config or delegates",
      );
    }
    return [...conf.delegates];
  }
  const out: DelegateConf[] = [];
  try {
    out.push(await networkDelegate(conf.clusterNetwork, ctx));
  } catch (err) {
    throw CniError.from(err).withPrefix(
      `GetDefaultNetworks: failed to get clusterNetwork ${conf.clusterNetwork} in namespace ${conf.multusNamespace}: `,
    );
  }
  if (pod && !conf.systemNamespaces.includes(pod.metadata.namespace)) {
    for (const name of conf.defaultNetworks) out.push(await networkDelegate(name, ctx));
  }
  return out;
}

/**
 * Applies the pod's annotations (Multus `TryLoadPodDelegates`): the default-network
 * annotation replaces the master; annotation networks are appended in order.
 */
export async function podDelegates(
  ctx: ResolveContext,
  base: DelegateConf[],
  opts: {
    /**
     * Called with the error of an element that cannot be loaded (worded as thrown without
     * it); returns the delegate to put in its place, and resolution goes on (`multus
     * explain`). Without it the first such error is thrown (ADD).
     */
    onError?: (err: CniError, element: NetworkSelection) => DelegateConf;
  } = {},
): Promise<DelegateConf[]> {
  const { kube, pod, conf } = ctx;
  if (!kube || !pod) {
    if (base.length === 0) {
      throw new CniError(
        CniCode.InvalidNetworkConfig,
        "TryLoadPodDelegates: must have either Kubernetes config or delegates",
      );
    }
    return base;
  }
  const requests = podNetworkRequests({
    conf,
    podNamespace: pod.metadata.namespace,
    annotations: pod.metadata.annotations ?? {},
  });
  // Every NAD is asked for at once (in thin mode these are API round trips); the results
  // are still consumed in order, so the first bad element is the one reported.
  const fetches = new Map<string, Promise<Nad>>();
  const fetch = (e: NetworkSelection): Promise<Nad> => {
    const key = `${e.namespace}/${e.name}`;
    let p = fetches.get(key);
    if (!p) {
      p = getNad(kube, e.namespace, e.name);
      p.catch(() => {}); // awaited (and reported) by nadDelegate
      fetches.set(key, p);
    }
    return p;
  };
  if (requests.defaultNetwork) fetch(requests.defaultNetwork);
  for (const element of requests.networks) fetch(element);
  const out = [...base];
  if (requests.defaultNetwork) {
    try {
      out[0] = await nadDelegate(requests.defaultNetwork, ctx, fetch(requests.defaultNetwork));
    } catch (err) {
      const e = CniError.from(err).withPrefix(
        "TryLoadPodDelegates: error in loading K8s cluster default network from pod annotation: tryLoadK8sPodDefaultNetwork: failed getting the delegate: ",
      );
      if (!opts.onError) throw e;
      out[0] = opts.onError(e, requests.defaultNetwork);
    }
  }
  for (const element of requests.networks) {
    try {
      out.push(await nadDelegate(element, ctx, fetch(element)));
    } catch (err) {
      const e = CniError.from(err).withPrefix(
        "TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: ",
      );
      if (!opts.onError) throw e;
      out.push(opts.onError(e, element));
    }
  }
  return out;
}

/** The auxiliary chain delegate, when configured and non-trivial; load errors are logged. */
export async function auxChainDelegate(ctx: ResolveContext): Promise<DelegateConf | null> {
  const { conf, deps } = ctx;
  if (!conf.auxiliaryCNIChainName) return null;
  if (!conf.clusterNetwork.includes("/")) {
    throw new CniError(
      CniCode.InvalidNetworkConfig,
      `auxiliary chain used but ClusterNetwork must be a path, and it is not a path: ${conf.clusterNetwork}`,
    );
  }
  const dir = conf.clusterNetwork.slice(0, conf.clusterNetwork.lastIndexOf("/")) || "/";
  try {
    const extra = await readConfigFiles(`${dir}/${conf.auxiliaryCNIChainName}`, deps, [".conf"]);
    const chain = chainConflist({
      auxChain: { cniVersion: conf.cniVersion, name: conf.auxiliaryCNIChainName },
      extraPlugins: extra,
    });
    return chain.pluginCount > 1 ? loadDelegate(chain.configText) : null;
  } catch (err) {
    deps.logger.error(`LoadChainedDelegatesFromBytes: ${messageOf(err)}`);
    return null;
  }
}

/** Every delegate of the pod, in execution order (master first). */
export async function resolveDelegates(ctx: ResolveContext): Promise<DelegateConf[]> {
  const base = await clusterDelegates(ctx);
  const all = await podDelegates(ctx, base);
  const aux = await auxChainDelegate(ctx);
  if (aux) all.push(aux);
  return all;
}
