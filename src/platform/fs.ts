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

function tempBeside(path: string): { dir: string; temp: string } {
  const dir = path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || "/";
  return { dir, temp: `${dir}/.${path.slice(dir.length + 1)}.${Deno.pid}.${tempCounter++}.tmp` };
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
  async writeAtomic(
    path: string,
    data: string | Uint8Array,
    opts: WriteOptions = {},
  ): Promise<void> {
    const { dir, temp } = tempBeside(path);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const mode = opts.mode ?? 0o600;
    // Few operations on the common path (each async file op costs a thread-pool round
    // trip): write, then rename; the directory is made only when it is missing, and the
    // mode is fixed afterwards only when it has bits a umask can take away.
    const write = async (): Promise<void> => {
      if (!opts.durable) {
        await Deno.writeFile(temp, bytes, { create: true, mode });
        return;
      }
      const file = await Deno.open(temp, { write: true, create: true, truncate: true, mode });
      try {
        let off = 0;
        while (off < bytes.length) off += await file.write(bytes.subarray(off));
        await file.syncData();
      } finally {
        file.close();
      }
    };
    // A write that fails part-way (a full disk, say) leaves no temp file behind.
    const writeOrClean = async (): Promise<void> => {
      try {
        await write();
      } catch (err) {
        await Deno.remove(temp).catch(() => {});
        throw err;
      }
    };
    try {
      await writeOrClean();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await Deno.mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
      await writeOrClean();
    }
    try {
      if ((mode & 0o077) !== 0) await Deno.chmod(temp, mode);
      await Deno.rename(temp, path);
    } catch (err) {
      await Deno.remove(temp).catch(() => {});
      throw err;
    }
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
    if (opts.durable) return denoFs.writeAtomic(path, data, opts);
    return attempt(() => {
      const { dir, temp } = tempBeside(path);
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      const mode = opts.mode ?? 0o600;
      const write = (): void => {
        try {
          Deno.writeFileSync(temp, bytes, { create: true, mode });
        } catch (err) {
          try {
            Deno.removeSync(temp);
          } catch { /* nothing was left */ }
          throw err;
        }
      };
      try {
        write();
      } catch (err) {
        if (!isNotFound(err)) throw err;
        Deno.mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
        write();
      }
      try {
        if ((mode & 0o077) !== 0) Deno.chmodSync(temp, mode);
        Deno.renameSync(temp, path);
      } catch (err) {
        try {
          Deno.removeSync(temp);
        } catch { /* nothing was left */ }
        throw err;
      }
    });
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
