/**
 * libcni's result cache: one file per attachment at
 * `<cacheDir>/results/<networkName>-<containerID>-<ifName>`, in the `cniCacheV1` format,
 * written atomically (mode 0600 in 0700 directories) after a successful ADD, read for
 * CHECK and DEL, removed after a successful DEL. A missing file is not an error.
 *
 * @module
 */
import { CniCode, CniError } from "./error.ts";
import type { CacheEntry, CniResult, CniVersion } from "./types.ts";
import {
  type CniArgPairs,
  decodeCacheEntry,
  type DecodedCache,
  encodeCacheEntry,
} from "../engine/mod.ts";
import type { Fs } from "../platform/fs.ts";

/** Identifies one attachment's cache file. */
export interface CacheKey {
  networkName: string;
  containerId: string;
  ifName: string;
}

/** The path of an attachment's cache file. */
export function cachePath(cacheDir: string, key: CacheKey): string {
  return `${cacheDir}/results/${key.networkName}-${key.containerId}-${key.ifName}`;
}

/** What an ADD leaves in the cache. */
export interface CacheWrite extends CacheKey {
  netns?: string;
  configText: string;
  cniArgs?: CniArgPairs;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}

/** Writes an attachment's cache file atomically. */
export async function writeCachedResult(
  fs: Pick<Fs, "writeAtomic">,
  cacheDir: string,
  entry: CacheWrite,
): Promise<void> {
  const text = encodeCacheEntry(entry);
  try {
    await fs.writeAtomic(cachePath(cacheDir, entry), text, { mode: 0o600, dirMode: 0o700 });
  } catch (err) {
    throw new CniError(
      CniCode.IoFailure,
      `failed to write the result cache of network "${entry.networkName}": ${
        err instanceof Error ? err.message : err
      }`,
      { cause: err },
    );
  }
}

/**
 * Reads an attachment's cache file; the result converted to `toVersion` when given.
 * Returns null when there is none.
 *
 * @throws {CniError} code 6 when the file exists but cannot be decoded.
 */
export async function readCachedResult(
  fs: Pick<Fs, "readText">,
  cacheDir: string,
  key: CacheKey,
  opts: { toVersion?: CniVersion } = {},
): Promise<DecodedCache | null> {
  const text = await fs.readText(cachePath(cacheDir, key));
  if (text === null) return null;
  return decodeCacheEntry(text, opts);
}

/** Removes an attachment's cache file; returns whether it existed. */
export function removeCachedResult(
  fs: Pick<Fs, "remove">,
  cacheDir: string,
  key: CacheKey,
): Promise<boolean> {
  return fs.remove(cachePath(cacheDir, key));
}

/** A cached attachment with its network configuration's text decoded. */
export interface CachedAttachment extends CacheEntry {
  configText: string;
}

/**
 * Every readable `cniCacheV1` entry in the cache, sorted by file name (libcni's
 * `GetCachedAttachments`); unreadable files are skipped and reported to `onSkip`.
 */
export async function listCachedAttachments(
  fs: Pick<Fs, "list" | "readText">,
  cacheDir: string,
  opts: {
    networkName?: string;
    containerId?: string;
    onSkip?: (file: string, why: string) => void;
  } = {},
): Promise<CachedAttachment[]> {
  const dir = `${cacheDir}/results`;
  const names = await fs.list(dir);
  if (names === null) return [];
  const out: CachedAttachment[] = [];
  for (const name of names) {
    if (opts.containerId && !name.includes(`-${opts.containerId}-`)) continue;
    const text = await fs.readText(`${dir}/${name}`);
    if (text === null) continue;
    let decoded: DecodedCache;
    try {
      decoded = decodeCacheEntry(text);
    } catch (err) {
      opts.onSkip?.(name, err instanceof Error ? err.message : String(err));
      continue;
    }
    const entry = decoded.entry;
    if (entry.kind !== "cniCacheV1" || !entry.containerId || !entry.ifName || !entry.networkName) {
      opts.onSkip?.(name, "not a cniCacheV1 entry with containerId, ifName and networkName");
      continue;
    }
    if (opts.networkName && entry.networkName !== opts.networkName) continue;
    if (opts.containerId && entry.containerId !== opts.containerId) continue;
    out.push({ ...entry, configText: decoded.configText ?? "" });
  }
  return out;
}
