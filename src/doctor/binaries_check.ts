/**
 * Check 5: every plugin binary the cluster network and the networks of this node's pods
 * need (each plugin's `type` and its `ipam.type`) is in `binDir` or `CNI_PATH`, where
 * libcni looks for them. A pod whose networks cannot be resolved (a missing NAD) is a
 * warning: its next ADD fails with Multus's message.
 *
 * @module
 */
import type { DelegateConf } from "../engine/multus.ts";
import type { Fs } from "../platform/fs.ts";
import { type Finding, finding } from "./report.ts";

/** Who needs a delegate: `cluster network`, or `pod ns/name`. */
export interface NeededDelegates {
  who: string;
  delegates: DelegateConf[];
}

/** The plugin types (and IPAM types) a delegate's config runs. */
export function pluginTypes(d: DelegateConf): string[] {
  const types = new Set<string>();
  try {
    const conf = JSON.parse(d.bytes) as Record<string, unknown>;
    const plugins = Array.isArray(conf["plugins"]) ? conf["plugins"] : [conf];
    for (const p of plugins as Array<Record<string, unknown>>) {
      if (typeof p["type"] === "string" && p["type"] !== "") types.add(p["type"]);
      const ipam = p["ipam"] as Record<string, unknown> | undefined;
      if (typeof ipam?.["type"] === "string" && ipam["type"] !== "") types.add(ipam["type"]);
    }
  } catch {
    if (d.type) types.add(d.type);
  }
  return [...types];
}

/** Checks that each needed plugin exists as a file in one of `binDirs`. */
export async function checkBinaries(
  needed: readonly NeededDelegates[],
  binDirs: readonly string[],
  fs: Pick<Fs, "stat">,
): Promise<Finding[]> {
  const found = new Map<string, boolean>();
  const exists = async (type: string): Promise<boolean> => {
    let hit = found.get(type);
    if (hit === undefined) {
      hit = false;
      for (const dir of binDirs) {
        if ((await fs.stat(`${dir}/${type}`))?.isFile) {
          hit = true;
          break;
        }
      }
      found.set(type, hit);
    }
    return hit;
  };
  const out: Finding[] = [];
  for (const { who, delegates } of needed) {
    for (const d of delegates) {
      const missing: string[] = [];
      for (const type of pluginTypes(d)) if (!(await exists(type))) missing.push(type);
      if (missing.length > 0) {
        out.push(finding(
          "binaries",
          "fail",
          `${who}: network "${d.name}" needs ${
            missing.map((m) => `"${m}"`).join(", ")
          }, not found in ${binDirs.join(":")}`,
          `install the plugin${missing.length > 1 ? "s" : ""} into binDir ${binDirs[0] ?? ""}`,
        ));
      }
    }
  }
  if (out.length === 0) {
    const all = [...found.keys()].sort();
    out.push(finding(
      "binaries",
      "pass",
      `${needed.length} network user(s) (${needed.map((n) => n.who).slice(0, 3).join(", ")}${
        needed.length > 3 ? ", ..." : ""
      }): plugins ${all.join(", ")} all in ${binDirs.join(":")}`,
    ));
  }
  return out;
}
