/**
 * Finding the primary (cluster default) CNI config the daemon's generated
 * `00-multus.conf` delegates to, as Multus's config manager does: the lexically first
 * `.conf`/`.conflist` in `multusAutoconfigDir` whose name does not start with
 * `00-multus`, or the file `multusMasterCNI` names; retried every second for up to
 * 120 attempts while the primary CNI is still being installed.
 *
 * @module
 */
import { extname, join } from "../platform/path.ts";
import { type Clock, realClock } from "../platform/clock.ts";
import type { Fs } from "../platform/fs.ts";

/** The file the daemon generates in auto mode. */
export const MULTUS_CONF_NAME = "00-multus.conf";

/** Whether a directory entry may be the primary (Multus `findMasterPlugin`). */
export function isPrimaryCandidate(name: string): boolean {
  if (name.startsWith("00-multus")) return false;
  const ext = extname(name) || (name.startsWith(".") ? name : "");
  return ext === ".conf" || ext === ".conflist";
}

/** The primary among directory entries (byte order, as Go's `sort.Strings`), or null. */
export function pickPrimary(names: readonly string[]): string | null {
  const candidates = names.filter(isPrimaryCandidate).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return candidates[0] ?? null;
}

/** Where to look and how long. */
export interface FindPrimaryOptions {
  fs: Fs;
  /** `multusMasterCNI`: an explicit file name inside the directory ("" = discover). */
  masterName?: string;
  clock?: Clock;
  /** Listings before giving up (Multus: 120). */
  attempts?: number;
  /** Pause between listings (Multus: 1 s). */
  intervalMs?: number;
  /** Aborts the wait (daemon shutdown). */
  signal?: AbortSignal;
}

/**
 * The primary's path right now, or null when there is none (a missing directory counts
 * as empty: the primary CNI may not have created it yet).
 */
export async function locatePrimary(
  dir: string,
  opts: { fs: Fs; masterName?: string },
): Promise<string | null> {
  if (opts.masterName) {
    const path = join(dir, opts.masterName);
    return (await opts.fs.stat(path))?.isFile ? path : null;
  }
  const name = pickPrimary((await opts.fs.list(dir)) ?? []);
  return name === null ? null : join(dir, name);
}

/**
 * Waits for the primary: lists `dir` up to `attempts` times, `intervalMs` apart.
 *
 * @throws {Error} `failed to find the cluster master CNI plugin: could not find a plugin
 *   configuration in <dir>` (Multus's message; with `masterName`, the file is named).
 * @throws {DOMException} `AbortError` when `signal` aborts.
 */
export async function findPrimaryConfig(dir: string, opts: FindPrimaryOptions): Promise<string> {
  const clock = opts.clock ?? realClock;
  const attempts = opts.attempts ?? 120;
  const intervalMs = opts.intervalMs ?? 1000;
  for (let i = 0; i < attempts; i++) {
    opts.signal?.throwIfAborted();
    const found = await locatePrimary(dir, opts);
    if (found !== null) return found;
    await clock.sleep(intervalMs, opts.signal);
  }
  opts.signal?.throwIfAborted();
  const what = opts.masterName
    ? `could not find the plugin configuration ${join(dir, opts.masterName)} (multusMasterCNI)`
    : `could not find a plugin configuration in ${dir}`;
  throw new Error(`failed to find the cluster master CNI plugin: ${what}`);
}
