/**
 * Executing a network configuration list as libcni does (`AddNetworkList`,
 * `CheckNetworkList`, `DelNetworkList`, `GCNetworkList`, `GetStatusNetworkList`): ADD
 * chains `prevResult` through the plugins and caches the final result; DEL runs in
 * reverse with the cached result; CHECK runs with it; GC deletes stale cached
 * attachments and forwards GC; STATUS asks every plugin. A single `.conf` is a
 * one-plugin list.
 *
 * @module
 */
import { CniError } from "./error.ts";
import {
  decodeAddOutput,
  execPlugin,
  findInPath,
  type InvokeDeps,
  type InvokeOptions,
  pluginEnvironment,
} from "./invoke.ts";
import {
  listCachedAttachments,
  readCachedResult,
  removeCachedResult,
  writeCachedResult,
} from "./cache.ts";
import type {
  CniCommand,
  CniResult,
  GcAttachment,
  NetworkConfigList,
  PluginConf,
} from "./types.ts";
import {
  buildCniArgs,
  buildPluginConfig,
  checkAttachment,
  type CniArgPairs,
  type ListStep,
  planList,
} from "../engine/mod.ts";
import type { Fs } from "../platform/fs.ts";

/** The runtime side of libcni: where plugins are, where results are cached, the env. */
export interface CniRuntime {
  /** Plugin search path in order (Multus: `binDir`, then every `CNI_PATH` entry). */
  binDirs: readonly string[];
  /** The cache dir (`<cacheDir>/results/...`). */
  cacheDir: string;
  /** The environment plugins inherit (libcni passes the runtime's own). */
  env: Record<string, string>;
  deps: InvokeDeps & { fs: Pick<Fs, "stat" | "readText" | "writeAtomic" | "remove" | "list"> };
  invoke?: InvokeOptions;
}

/** One attachment's parameters (libcni `RuntimeConf`). */
export interface RuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  /** `CNI_ARGS` pairs. */
  args: CniArgPairs;
  /** Values for the capabilities plugins declare (become `runtimeConfig`). */
  capabilityArgs: Record<string, unknown>;
}

const VERB: Record<string, string> = {
  ADD: "add",
  DEL: "delete",
  CHECK: "check",
  GC: "gc",
  STATUS: "status",
};

function describe(type: string, plugin?: PluginConf): string {
  const name = typeof plugin?.name === "string" && plugin.name ? ` name="${plugin.name}"` : "";
  return `type="${type}"${name}`;
}

/**
 * How a failure is worded: libcni's `*NetworkList` calls say which plugin of the list
 * failed (`plugin type="x" name="n" failed (add): `); its single-config calls
 * (`AddNetwork`, `DelNetwork`) return the plugin's error as it is.
 */
type Wording = "list" | "single";

/** A step's failure in libcni's wording (see {@linkcode Wording}). */
function stepError(
  err: unknown,
  step: { type: string; plugin?: PluginConf },
  command: Exclude<CniCommand, "VERSION">,
  wording: Wording,
): CniError {
  if (wording === "single") return CniError.from(err);
  return CniError.from(err).withPrefix(
    `plugin ${describe(step.type, step.plugin)} failed (${VERB[command]}): `,
  );
}

async function runStep(
  step: { type: string; config: string; plugin?: PluginConf },
  command: Exclude<CniCommand, "VERSION">,
  conf: RuntimeConf | null,
  rt: CniRuntime,
  wording: Wording = "list",
): Promise<string> {
  try {
    const path = await findInPath(step.type, rt.binDirs, rt.deps.fs);
    const env = pluginEnvironment({
      command,
      containerId: conf?.containerId ?? "",
      netns: conf?.netns ?? "",
      ifName: conf?.ifName ?? "",
      args: conf ? buildCniArgs(conf.args) : "",
      path: rt.binDirs.join(":"),
      base: rt.env,
    });
    return await execPlugin(path, { stdin: step.config, env }, rt.deps, rt.invoke);
  } catch (err) {
    throw stepError(err, step, command, wording);
  }
}

/**
 * ADD: runs every plugin in order, each given the previous one's result, and caches the
 * final result. Returns it in the last plugin's version.
 *
 * @throws {CniError} the first failure, prefixed `plugin type="x" failed (add): `; libcni
 *   does not roll back, the caller's DEL does.
 */
export function addNetworkList(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
): Promise<CniResult> {
  return add(list, conf, rt, "list");
}

/**
 * ADD of a single network configuration (libcni `AddNetwork`; `list` is the one-plugin
 * list of a `.conf`): as {@linkcode addNetworkList}, but a failure is the plugin's own
 * error, with no `plugin ... failed (add): ` prefix.
 */
export function addNetwork(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
): Promise<CniResult> {
  return add(list, conf, rt, "single");
}

/** One plugin of an ADD as libcni would run it, found but not run. */
export interface PlannedPluginCall {
  type: string;
  /** The binary libcni would execute; absent when none is found (see `errors`). */
  path?: string;
  /**
   * Its stdin: exactly, for the first plugin; a later plugin also gets `prevResult`, the
   * result of the plugin before it, which only running the chain can tell.
   */
  config?: string;
}

/**
 * What ADD ({@linkcode addNetworkList}, or {@linkcode addNetwork} with `single`) would
 * execute, with nothing executed, read beyond a `stat`, or written: each plugin's binary
 * and config, built by the same engine ops ADD uses, and every error ADD would meet
 * before running a plugin (the attachment check, a missing binary, a config that cannot
 * be built), worded as ADD words them.
 */
export async function describeAdd(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: Pick<CniRuntime, "binDirs"> & { deps: { fs: Pick<Fs, "stat"> } },
  single = false,
): Promise<{ plugins: PlannedPluginCall[]; errors: CniError[] }> {
  const wording: Wording = single ? "single" : "list";
  const errors: CniError[] = [];
  try {
    checkAttachment({ containerId: conf.containerId, networkName: list.name, ifName: conf.ifName });
  } catch (err) {
    errors.push(CniError.from(err));
  }
  const plugins: PlannedPluginCall[] = [];
  for (const plugin of list.plugins) {
    const call: PlannedPluginCall = { type: plugin.type };
    try {
      call.path = await findInPath(plugin.type, rt.binDirs, rt.deps.fs);
    } catch (err) {
      errors.push(stepError(err, { type: plugin.type, plugin }, "ADD", wording));
    }
    try {
      call.config = buildPluginConfig({
        plugin,
        name: list.name,
        cniVersion: list.cniVersion,
        command: "ADD",
        capabilityArgs: conf.capabilityArgs,
      });
    } catch (err) {
      errors.push(stepError(err, { type: plugin.type, plugin }, "ADD", wording));
    }
    plugins.push(call);
  }
  return { plugins, errors };
}

async function add(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
  wording: Wording,
): Promise<CniResult> {
  checkAttachment({ containerId: conf.containerId, networkName: list.name, ifName: conf.ifName });
  let prev: CniResult | undefined;
  for (const plugin of list.plugins) {
    const config = buildPluginConfig({
      plugin,
      name: list.name,
      cniVersion: list.cniVersion,
      command: "ADD",
      capabilityArgs: conf.capabilityArgs,
      ...(prev ? { prevResult: prev } : {}),
    });
    const stdout = await runStep({ type: plugin.type, config, plugin }, "ADD", conf, rt, wording);
    try {
      prev = decodeAddOutput(stdout, plugin.type, list.cniVersion);
    } catch (err) {
      if (wording === "single") throw CniError.from(err);
      throw CniError.from(err).withPrefix(`plugin ${describe(plugin.type, plugin)} failed (add): `);
    }
  }
  if (!prev) throw new CniError(7, `network "${list.name}" has no plugins`);
  await writeCachedResult(rt.deps.fs, rt.cacheDir, {
    networkName: list.name,
    containerId: conf.containerId,
    ifName: conf.ifName,
    netns: conf.netns,
    configText: list.bytes,
    cniArgs: conf.args,
    capabilityArgs: conf.capabilityArgs,
    result: prev,
  });
  return prev;
}

async function cachedResultOrNone(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
  removeCorrupt: boolean,
): Promise<CniResult | undefined> {
  const key = { networkName: list.name, containerId: conf.containerId, ifName: conf.ifName };
  try {
    const cached = await readCachedResult(rt.deps.fs, rt.cacheDir, key, {
      toVersion: list.cniVersion,
    });
    return cached?.result;
  } catch (err) {
    if (!removeCorrupt) throw err;
    // libcni: an unreadable cache is removed and DEL proceeds without prevResult.
    await removeCachedResult(rt.deps.fs, rt.cacheDir, key);
    return undefined;
  }
}

async function runPlan(
  steps: ListStep[],
  command: "DEL" | "CHECK",
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
  wording: Wording = "list",
): Promise<void> {
  for (const step of steps) {
    const plugin = list.plugins.find((p) => p.type === step.type);
    await runStep({ ...step, ...(plugin ? { plugin } : {}) }, command, conf, rt, wording);
  }
}

/**
 * DEL: runs the plugins in reverse order, each given the cached ADD result (converted
 * to the list's version; none below 0.4.0), then removes the cache file. A missing
 * cache means no prevResult; the cache is kept when a plugin fails.
 */
export function delNetworkList(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
): Promise<void> {
  return del(list, conf, rt, "list");
}

/**
 * DEL of a single network configuration (libcni `DelNetwork`): as
 * {@linkcode delNetworkList}, but a failure is the plugin's own error, unprefixed.
 */
export function delNetwork(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
): Promise<void> {
  return del(list, conf, rt, "single");
}

async function del(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
  wording: Wording,
): Promise<void> {
  const cached = await cachedResultOrNone(list, conf, rt, true);
  const steps = planList({
    list,
    command: "DEL",
    capabilityArgs: conf.capabilityArgs,
    ...(cached ? { cachedResult: cached } : {}),
  });
  await runPlan(steps, "DEL", list, conf, rt, wording);
  await removeCachedResult(rt.deps.fs, rt.cacheDir, {
    networkName: list.name,
    containerId: conf.containerId,
    ifName: conf.ifName,
  });
}

/** CHECK: runs the plugins in order with the cached ADD result (`disableCheck` skips). */
export async function checkNetworkList(
  list: NetworkConfigList,
  conf: RuntimeConf,
  rt: CniRuntime,
): Promise<void> {
  const cached = await cachedResultOrNone(list, conf, rt, false);
  const steps = planList({
    list,
    command: "CHECK",
    capabilityArgs: conf.capabilityArgs,
    ...(cached ? { cachedResult: cached } : {}),
  });
  await runPlan(steps, "CHECK", list, conf, rt);
}

/**
 * STATUS: asks every plugin in order (lists below 1.1.0 succeed without asking); the
 * first failure is returned with its own code (50/51).
 */
export async function statusNetworkList(list: NetworkConfigList, rt: CniRuntime): Promise<void> {
  for (const step of planList({ list, command: "STATUS" })) {
    const plugin = list.plugins.find((p) => p.type === step.type);
    await runStep({ ...step, ...(plugin ? { plugin } : {}) }, "STATUS", null, rt);
  }
}

/**
 * GC: deletes every cached attachment of this network that `valid` does not name, then
 * sends GC to every plugin (lists >= 1.1.0). Every step runs; all failures are reported
 * together.
 */
export async function gcNetworkList(
  list: NetworkConfigList,
  valid: GcAttachment[],
  rt: CniRuntime,
): Promise<void> {
  if (list.disableGC) return;
  const errors: CniError[] = [];
  const keep = new Set(valid.map((a) => `${a.containerID}\0${a.ifname}`));
  const cached = await listCachedAttachments(rt.deps.fs, rt.cacheDir, { networkName: list.name });
  for (const entry of cached) {
    if (keep.has(`${entry.containerId}\0${entry.ifName}`)) continue;
    try {
      await delNetworkList(list, {
        containerId: entry.containerId,
        netns: entry.netns ?? "",
        ifName: entry.ifName,
        args: entry.cniArgs ?? [],
        capabilityArgs: entry.capabilityArgs ?? {},
      }, rt);
    } catch (err) {
      errors.push(CniError.from(err));
    }
  }
  for (const step of planList({ list, command: "GC", validAttachments: valid })) {
    const plugin = list.plugins.find((p) => p.type === step.type);
    try {
      await runStep({ ...step, ...(plugin ? { plugin } : {}) }, "GC", null, rt);
    } catch (err) {
      errors.push(CniError.from(err));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new CniError(errors[0]!.code, errors.map((e) => e.message).join("; "));
  }
}
