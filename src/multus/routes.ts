/**
 * Applying `default-route` after a delegate's ADD (Multus `DeleteDefaultGW`,
 * `SetDefaultGW` and their cache edits): routes change in the pod's namespace and in
 * the libcni result cache, never in the result returned to the runtime.
 *
 * @module
 */
import { cachePath } from "../cni/cache.ts";
import type { CniResult } from "../cni/types.ts";
import {
  defaultRouteActions,
  editCachedDefaultRoutes,
  type MultusConf,
  type PlannedDelegate,
} from "../engine/multus.ts";
import type { MultusDeps } from "./deps.ts";
import { messageOf } from "./errors.ts";

async function editCache(
  d: PlannedDelegate,
  conf: MultusConf,
  deps: MultusDeps,
  actions: { deleteV4: boolean; deleteV6: boolean; add: string[] },
): Promise<void> {
  const path = cachePath(conf.cniDir, {
    networkName: d.list.name,
    containerId: d.containerId,
    ifName: d.ifName,
  });
  const text = await deps.fs.readText(path);
  if (text === null) throw new Error(`open ${path}: no such file or directory`);
  await deps.fs.writeAtomic(path, editCachedDefaultRoutes(text, actions), { mode: 0o600 });
}

/**
 * Applies the delegate's default-route actions, if any.
 *
 * @throws {Error} Multus's `error deleting default gateway...` / `error setting default gateway...`.
 */
export async function applyDefaultRoutes(
  d: PlannedDelegate,
  result: CniResult,
  conf: MultusConf,
  deps: MultusDeps,
): Promise<void> {
  const actions = defaultRouteActions({ delegate: d, result });
  if (!actions) return;
  if (actions.deleteV4 || actions.deleteV6) {
    const del = { deleteV4: actions.deleteV4, deleteV6: actions.deleteV6, add: [] };
    try {
      await deps.netns.applyDefaultRoutes(d.netns, d.ifName, del);
    } catch (err) {
      throw new Error(`error deleting default gateway: ${messageOf(err)}`, { cause: err });
    }
    try {
      await editCache(d, conf, deps, del);
    } catch (err) {
      throw new Error(`error deleting default gateway in cache: ${messageOf(err)}`, { cause: err });
    }
  }
  if (actions.add.length > 0) {
    const add = { deleteV4: false, deleteV6: false, add: actions.add };
    try {
      await deps.netns.applyDefaultRoutes(d.netns, d.ifName, add);
    } catch (err) {
      throw new Error(`error setting default gateway: ${messageOf(err)}`, { cause: err });
    }
    try {
      await editCache(d, conf, deps, add);
    } catch (err) {
      throw new Error(`error setting default gateway in cache: ${messageOf(err)}`, { cause: err });
    }
  }
}
