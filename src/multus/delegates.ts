/**
 * Running one planned delegate through the CNI toolkit (libcni semantics: bin dirs,
 * cache dir, capability args), with Multus's error wording per command.
 *
 * @module
 */
import { CniError } from "../cni/error.ts";
import {
  addNetwork,
  addNetworkList,
  checkNetworkList,
  type CniRuntime,
  delNetwork,
  delNetworkList,
  describeAdd,
  type PlannedPluginCall,
  type RuntimeConf,
} from "../cni/conflist.ts";
import type { CniResult } from "../cni/types.ts";
import type { MultusConf, PlannedDelegate } from "../engine/multus.ts";
import type { MultusDeps } from "./deps.ts";

/** The libcni runtime Multus uses: `binDir` then `CNI_PATH`, cache dir `cniDir`. */
export function multusRuntime(conf: MultusConf, deps: MultusDeps, cniPath: string): CniRuntime {
  const dirs = [conf.binDir, ...cniPath.split(":")].filter((d) => d !== "");
  return {
    binDirs: [...new Set(dirs)],
    cacheDir: conf.cniDir,
    env: deps.env,
    deps: {
      exec: deps.exec,
      fs: deps.fs,
      stderr: (text) => deps.logger.debug(`delegate stderr: ${text.trim()}`),
      sleep: deps.sleep,
    },
    ...(deps.invoke ? { invoke: deps.invoke } : {}),
  };
}

function runtimeConf(d: PlannedDelegate, netns?: string): RuntimeConf {
  return {
    containerId: d.containerId,
    netns: netns ?? d.netns,
    ifName: d.ifName,
    args: d.args,
    capabilityArgs: d.capabilityArgs,
  };
}

/** Times `run` and reports it to `deps.observeDelegate`. */
async function observed<T>(
  d: PlannedDelegate,
  command: string,
  deps: Pick<MultusDeps, "observeDelegate" | "now">,
  run: () => Promise<T>,
): Promise<T> {
  if (!deps.observeDelegate) return await run();
  const started = deps.now();
  let ok = false;
  try {
    const out = await run();
    ok = true;
    return out;
  } finally {
    deps.observeDelegate({
      type: d.list.plugins[0]?.type ?? "unknown",
      command,
      seconds: (deps.now() - started) / 1000,
      ok,
    });
  }
}

/** ADD of one delegate; libcni's error as is (the caller adds Multus's prefix). */
export function addDelegate(
  d: PlannedDelegate,
  rt: CniRuntime,
  deps: Pick<MultusDeps, "observeDelegate" | "now"> = { now: Date.now },
): Promise<CniResult> {
  // libcni words a failing conflist plugin (`plugin type=... failed (add): `); Multus calls
  // AddNetwork for a single conf, whose error is the plugin's own.
  const add = d.isConflist ? addNetworkList : addNetwork;
  return observed(d, "ADD", deps, () => add(d.list, runtimeConf(d), rt));
}

/**
 * What {@linkcode addDelegate} would execute for `d` (binaries and configs) and the errors
 * it would meet before running a plugin, with nothing executed (see `describeAdd`).
 */
export function describeAddDelegate(
  d: PlannedDelegate,
  rt: CniRuntime,
): Promise<{ plugins: PlannedPluginCall[]; errors: CniError[] }> {
  return describeAdd(d.list, runtimeConf(d), rt, !d.isConflist);
}

/**
 * DEL of one delegate. `netns` overrides the plan's (empty when the namespace is gone,
 * as a runtime passes it then).
 *
 * @throws {CniError} `DelegateDel: error invoking ConflistDel - "<name>": ...` (Multus's wording).
 */
export async function delDelegate(
  d: PlannedDelegate,
  rt: CniRuntime,
  opts: { netns?: string; deps?: Pick<MultusDeps, "observeDelegate" | "now"> } = {},
): Promise<void> {
  try {
    await observed(
      d,
      "DEL",
      opts.deps ?? { now: Date.now },
      () => (d.isConflist ? delNetworkList : delNetwork)(d.list, runtimeConf(d, opts.netns), rt),
    );
  } catch (err) {
    throw d.isConflist
      ? CniError.from(err).withPrefix(
        `DelegateDel: error invoking ConflistDel - "${d.list.name}": conflistDel: error in getting result from DelNetworkList: `,
      )
      : CniError.from(err).withPrefix(
        `DelegateDel: error invoking DelegateDel - "${
          d.list.plugins[0]?.type
        }": error in getting result from DelNetwork: `,
      );
  }
}

/** CHECK of one delegate, with Multus's wording. */
export async function checkDelegate(
  d: PlannedDelegate,
  rt: CniRuntime,
  deps: Pick<MultusDeps, "observeDelegate" | "now"> = { now: Date.now },
): Promise<void> {
  try {
    await observed(d, "CHECK", deps, () => checkNetworkList(d.list, runtimeConf(d), rt));
  } catch (err) {
    throw d.isConflist
      ? CniError.from(err).withPrefix(
        `DelegateCheck: error invoking ConflistCheck - "${d.list.name}": conflistCheck: error in getting result from CheckNetworkList: `,
      )
      : CniError.from(err).withPrefix(
        `DelegateCheck: error invoking DelegateCheck - "${
          d.list.plugins[0]?.type
        }": error in getting result from CheckNetwork: `,
      );
  }
}
