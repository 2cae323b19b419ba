/**
 * Check 6: cached attachments whose pod is no longer on this node. Multus keeps per
 * sandbox the scratch cache `<cniDir>/<containerID>` (its delegates) and libcni's result
 * cache `<cniDir>/results/<network>-<containerID>-<ifName>` (each holding the pod's
 * `K8S_POD_*` CNI_ARGS); a sandbox torn down without a DEL that reached Multus leaves
 * both, and with them the delegates' IPAM leases.
 *
 * A container is stale when the pod its result cache names is not among the API's pods
 * on this node (or has another UID), or when only a scratch cache is left (no pod can be
 * named). Only caches older than {@linkcode STALE_GRACE_MS} count, so an ADD or DEL under
 * way is never touched. With `--fix`, each stale container gets the DEL the shim runs on
 * the node when the daemon does not answer (`runLocalDel`), which releases the leases and
 * removes the caches; without it nothing changes.
 *
 * @module
 */
import { type CachedAttachment, listCachedAttachments } from "../cni/cache.ts";
import type { CmdArgs } from "../cni/skel.ts";
import type { Fs } from "../platform/fs.ts";
import { type Finding, finding, messageOf } from "./report.ts";

/** Caches written more recently than this are left alone (an ADD or DEL may be running). */
export const STALE_GRACE_MS = 2 * 60_000;

/** A pod on this node, as the API lists it. */
export interface NodePod {
  namespace: string;
  name: string;
  uid?: string;
}

/** One container's cached state. */
export interface CachedContainer {
  containerId: string;
  /** `ns/name` from the result cache's CNI_ARGS, when any. */
  pod?: NodePod;
  scratch: boolean;
  attachments: CachedAttachment[];
  /** The newest mtime of its cache files (ms), null when unknown. */
  mtimeMs: number | null;
}

/** Effects of {@linkcode checkStaleCaches}. */
export interface StaleCheckDeps {
  fs: Pick<Fs, "list" | "readText" | "stat">;
  now(): number;
  /** Runs DEL for one container (only with `--fix`). */
  del?: (args: CmdArgs) => Promise<void>;
}

function argValue(pairs: CachedAttachment["cniArgs"], key: string): string | undefined {
  return pairs?.find(([k]) => k === key)?.[1];
}

/** Every container with cached state in `cniDir`. */
export async function cachedContainers(
  cniDir: string,
  fs: StaleCheckDeps["fs"],
): Promise<CachedContainer[]> {
  const byId = new Map<string, CachedContainer>();
  const get = (id: string) => {
    let c = byId.get(id);
    if (!c) {
      c = { containerId: id, scratch: false, attachments: [], mtimeMs: null };
      byId.set(id, c);
    }
    return c;
  };
  const touch = async (c: CachedContainer, path: string) => {
    const m = (await fs.stat(path))?.mtimeMs ?? null;
    if (m !== null) c.mtimeMs = Math.max(c.mtimeMs ?? 0, m);
  };
  for (const name of (await fs.list(cniDir)) ?? []) {
    const info = await fs.stat(`${cniDir}/${name}`);
    if (!info?.isFile || name.startsWith(".")) continue;
    const c = get(name);
    c.scratch = true;
    await touch(c, `${cniDir}/${name}`);
  }
  for (const entry of await listCachedAttachments(fs, cniDir)) {
    const c = get(entry.containerId);
    c.attachments.push(entry);
    const ns = argValue(entry.cniArgs, "K8S_POD_NAMESPACE");
    const name = argValue(entry.cniArgs, "K8S_POD_NAME");
    const uid = argValue(entry.cniArgs, "K8S_POD_UID");
    if (ns && name && !c.pod) c.pod = { namespace: ns, name, ...(uid ? { uid } : {}) };
    await touch(c, `${cniDir}/results/${entry.networkName}-${entry.containerId}-${entry.ifName}`);
  }
  return [...byId.values()];
}

function isStale(c: CachedContainer, pods: readonly NodePod[]): boolean {
  if (!c.pod) return true;
  const p = c.pod;
  return !pods.some((q) =>
    q.namespace === p.namespace && q.name === p.name && (!p.uid || !q.uid || q.uid === p.uid)
  );
}

function describe(c: CachedContainer): string {
  const who = c.pod ? `pod ${c.pod.namespace}/${c.pod.name}` : "no pod named";
  const what = [
    ...(c.scratch ? ["scratch cache"] : []),
    ...c.attachments.map((a) => `${a.networkName}/${a.ifName}`),
  ];
  return `${c.containerId} (${who}; ${what.join(", ")})`;
}

/** The CNI_ARGS and ifName Multus's DEL for `c` gets, as the runtime would send them. */
export function delArgs(
  c: CachedContainer,
  conf: {
    text: string;
    config: Record<string, unknown>;
    cniPath: string;
    env: Record<string, string>;
  },
): CmdArgs {
  const eth0 = c.attachments.find((a) => a.ifName === "eth0");
  const master = eth0 ?? c.attachments[0];
  const args = [
    "IgnoreUnknown=1",
    ...(c.pod
      ? [
        `K8S_POD_NAMESPACE=${c.pod.namespace}`,
        `K8S_POD_NAME=${c.pod.name}`,
        `K8S_POD_INFRA_CONTAINER_ID=${c.containerId}`,
        ...(c.pod.uid ? [`K8S_POD_UID=${c.pod.uid}`] : []),
      ]
      : [`K8S_POD_INFRA_CONTAINER_ID=${c.containerId}`]),
  ].join(";");
  return {
    command: "DEL",
    containerId: c.containerId,
    netns: master?.netns ?? "",
    ifName: master?.ifName ?? "eth0",
    args,
    path: conf.cniPath,
    stdinText: conf.text,
    config: conf.config,
    cniVersion: String(conf.config["cniVersion"] ?? "0.1.0") as CmdArgs["cniVersion"],
    env: conf.env,
  };
}

/** Runs the check (and with `deps.del`, the fix). */
export async function checkStaleCaches(
  cniDir: string,
  pods: readonly NodePod[],
  deps: StaleCheckDeps,
  makeArgs: (c: CachedContainer) => CmdArgs,
): Promise<Finding[]> {
  const all = await cachedContainers(cniDir, deps.fs);
  const old = (c: CachedContainer) =>
    c.mtimeMs === null || deps.now() - c.mtimeMs >= STALE_GRACE_MS;
  const stale = all.filter((c) => isStale(c, pods) && old(c));
  if (stale.length === 0) {
    return [finding("cache", "pass", `${all.length} cached container(s) in ${cniDir}, none stale`)];
  }
  if (!deps.del) {
    return stale.map((c) =>
      finding(
        "cache",
        "warn",
        `stale: ${describe(c)}: its pod is not on this node`,
        "multus doctor --fix runs its DEL (releases its IP leases, removes the caches)",
      )
    );
  }
  const out: Finding[] = [];
  for (const c of stale) {
    try {
      await deps.del(makeArgs(c));
      out.push(finding("cache", "pass", `fixed: ran DEL for ${describe(c)}`));
    } catch (err) {
      out.push(finding(
        "cache",
        "fail",
        `DEL for ${describe(c)} failed: ${messageOf(err)}`,
        "look at the delegate's error; remove the cache files by hand once its resources are gone",
      ));
    }
  }
  return out;
}
