/**
 * File system effects: reads that treat a missing file as `null`, atomic writes
 * (temp file + rename, explicit modes), directory listings. The only place that touches
 * files for product code.
 *
 * @module
 */

/** Type of a path, or null when it does not exist. */
export interface PathInfo {
  isFile: boolean;
  isDirectory: boolean;
  /** Size in bytes. */
  size: number;
  /** Modification time in ms since the epoch, when known. */
  mtimeMs: number | null;
}

/** Options of {@linkcode Fs.writeAtomic}. */
export interface WriteOptions {
  /** File mode (default 0o600). */
  mode?: number;
  /** Mode of directories created on the way (default 0o700). */
  dirMode?: number;
  /**
   * fsync the data before the rename (default false). Caches are written like libcni and
   * Multus do (no fsync: the rename alone keeps readers from ever seeing a partial file);
   * installed configs ask for durability.
   */
  durable?: boolean;
}

/** The file operations product code needs. Tests pass fakes or temp directories. */
export interface Fs {
  /** The file's text, or null when it does not exist. */
  readText(path: string): Promise<string | null>;
  /** Writes `data` to `path` atomically: a temp file beside it, then renamed over it. */
  writeAtomic(path: string, data: string | Uint8Array, opts?: WriteOptions): Promise<void>;
  /** Removes a file; a missing file is not an error. Returns whether it existed. */
  remove(path: string): Promise<boolean>;
  /** Removes a directory tree; missing is not an error. */
  removeTree(path: string): Promise<void>;
  /** The names in a directory, sorted; null when it does not exist. */
  list(dir: string): Promise<string[] | null>;
  /** What is at `path`, following symlinks; null when nothing is. */
  stat(path: string): Promise<PathInfo | null>;
  /** Creates a directory and its parents with `mode`. */
  mkdirp(path: string, mode?: number): Promise<void>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound;
}

let tempCounter = 0;

/** The calls an atomic write makes: Deno's asynchronous ones or its synchronous ones. */
interface WriteCalls {
  /** Creates `path` with `mode` holding `bytes`, its data synced first when `durable`. */
  writeFile(path: string, bytes: Uint8Array, mode: number, durable: boolean): void | Promise<void>;
  remove(path: string): void | Promise<void>;
  mkdir(dir: string, mode: number): void | Promise<void>;
  chmod(path: string, mode: number): void | Promise<void>;
  rename(from: string, to: string): void | Promise<void>;
}

const ASYNC_CALLS: WriteCalls = {
  async writeFile(path, bytes, mode, durable) {
    if (!durable) return await Deno.writeFile(path, bytes, { create: true, mode });
    const file = await Deno.open(path, { write: true, create: true, truncate: true, mode });
    try {
      let off = 0;
      while (off < bytes.length) off += await file.write(bytes.subarray(off));
      await file.syncData();
    } finally {
      file.close();
    }
  },
  remove: (path) => Deno.remove(path),
  mkdir: (dir, mode) => Deno.mkdir(dir, { recursive: true, mode }),
  chmod: (path, mode) => Deno.chmod(path, mode),
  rename: (from, to) => Deno.rename(from, to),
};

const SYNC_CALLS: WriteCalls = {
  writeFile(path, bytes, mode, durable) {
    if (!durable) return Deno.writeFileSync(path, bytes, { create: true, mode });
    const file = Deno.openSync(path, { write: true, create: true, truncate: true, mode });
    try {
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      file.syncDataSync();
    } finally {
      file.close();
    }
  },
  remove: (path) => Deno.removeSync(path),
  mkdir: (dir, mode) => Deno.mkdirSync(dir, { recursive: true, mode }),
  chmod: (path, mode) => Deno.chmodSync(path, mode),
  rename: (from, to) => Deno.renameSync(from, to),
};

/**
 * Writes `data` to a temp file beside `path`, then renames it over `path`. Few calls on
 * the common path (with `ASYNC_CALLS` each costs a thread-pool round trip): write, then
 * rename; the directory is made only when it is missing, and the mode is fixed afterwards
 * only when it has bits a umask can take away. A write that fails part-way (a full disk,
 * say) leaves no temp file behind.
 */
async function writeAtomicWith(
  calls: WriteCalls,
  path: string,
  data: string | Uint8Array,
  opts: WriteOptions,
): Promise<void> {
  const dir = path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || "/";
  const temp = `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${tempCounter++}.tmp`;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const mode = opts.mode ?? 0o600;
  const removeTemp = async (): Promise<void> => {
    try {
      await calls.remove(temp);
    } catch { /* nothing was left */ }
  };
  const writeOrClean = async (): Promise<void> => {
    try {
      await calls.writeFile(temp, bytes, mode, !!opts.durable);
    } catch (err) {
      await removeTemp();
      throw err;
    }
  };
  try {
    await writeOrClean();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await calls.mkdir(dir, opts.dirMode ?? 0o700);
    await writeOrClean();
  }
  try {
    if ((mode & 0o077) !== 0) await calls.chmod(temp, mode);
    await calls.rename(temp, path);
  } catch (err) {
    await removeTemp();
    throw err;
  }
}

function pathInfo(s: Deno.FileInfo): PathInfo {
  return {
    isFile: s.isFile,
    isDirectory: s.isDirectory,
    size: s.size,
    mtimeMs: s.mtime?.getTime() ?? null,
  };
}

/** The real file system. */
export const denoFs: Fs = {
  async readText(path: string): Promise<string | null> {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  writeAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
    return writeAtomicWith(ASYNC_CALLS, path, data, opts);
  },
  async remove(path: string): Promise<boolean> {
    try {
      await Deno.remove(path);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  },
  async removeTree(path: string): Promise<void> {
    try {
      await Deno.remove(path, { recursive: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
  async list(dir: string): Promise<string[] | null> {
    try {
      const names: string[] = [];
      for await (const e of Deno.readDir(dir)) names.push(e.name);
      return names.sort();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  async stat(path: string): Promise<PathInfo | null> {
    try {
      return pathInfo(await Deno.stat(path));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  async mkdirp(path: string, mode = 0o700): Promise<void> {
    await Deno.mkdir(path, { recursive: true, mode });
  },
};

/**
 * The real file system through Deno's synchronous calls, behind the same promises: for a
 * process that serves one CNI call and exits (the thin plugin), where each asynchronous
 * file operation would cost a round trip through Deno's blocking thread pool and nothing
 * else waits on the event loop for longer than a local file operation takes. Same results
 * and errors as {@linkcode denoFs}; a server keeps {@linkcode denoFs}.
 */
export const denoSyncFs: Fs = {
  readText(path: string): Promise<string | null> {
    return attempt(() => Deno.readTextFileSync(path), null);
  },
  writeAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
    return writeAtomicWith(SYNC_CALLS, path, data, opts);
  },
  remove(path: string): Promise<boolean> {
    return attempt(() => (Deno.removeSync(path), true), false);
  },
  removeTree(path: string): Promise<void> {
    return attempt(() => Deno.removeSync(path, { recursive: true }), undefined);
  },
  list(dir: string): Promise<string[] | null> {
    return attempt(() => [...Deno.readDirSync(dir)].map((e) => e.name).sort(), null);
  },
  stat(path: string): Promise<PathInfo | null> {
    return attempt(() => pathInfo(Deno.statSync(path)), null);
  },
  mkdirp(path: string, mode = 0o700): Promise<void> {
    return attempt(() => Deno.mkdirSync(path, { recursive: true, mode }));
  },
};

/** `f()` as a promise; a missing path resolves to `missing` when one is given. */
function attempt<T>(f: () => T, ...missing: [T] | []): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    if (missing.length > 0 && isNotFound(err)) return Promise.resolve(missing[0] as T);
    return Promise.reject(err);
  }
}
