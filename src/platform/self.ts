/**
 * The running program itself: which executable file it is, what it uses (memory, CPU),
 * and installing an executable file the only safe way, as a new file beside the target
 * that is then renamed over it. Writing into a file that may be executing fails with
 * `ETXTBSY` ("text file busy", Multus pain point #7); a rename never does.
 *
 * @module
 */
import { denoFs } from "./fs.ts";
import { launcherArgv0, packedExecutable } from "./process.ts";

/** What {@linkcode ExecutableFiles.stat} reports. */
export interface FileMode {
  isFile: boolean;
  isDirectory: boolean;
  /** Permission bits (`0o7777` at most). */
  mode: number;
  /** Size in bytes. */
  size: number;
  /** Modification time in ms since the epoch, when known. */
  mtimeMs: number | null;
}

/** The file operations an installer needs. Tests pass temp directories or fakes. */
export interface ExecutableFiles {
  /** What is at `path` (following symlinks), or null when nothing is. */
  stat(path: string): Promise<FileMode | null>;
  /**
   * Copies `src` to `dest`, which must not exist yet (`O_EXCL`), sets `mode` and
   * flushes the data to disk. A failed copy leaves no `dest` behind.
   */
  copyNew(src: string, dest: string, opts: { mode: number }): Promise<void>;
  /** Creates `link` (which must not exist) as a hard link to `target`. */
  link(target: string, link: string): Promise<void>;
  /** Renames `from` to `to`, replacing `to` atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. Returns whether it existed. */
  remove(path: string): Promise<boolean>;
  /** The names in a directory, sorted; null when it does not exist. */
  list(dir: string): Promise<string[] | null>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound;
}

/** The real file system. */
export const denoExecutableFiles: ExecutableFiles = {
  async stat(path: string): Promise<FileMode | null> {
    try {
      const s = await Deno.stat(path);
      return {
        isFile: s.isFile,
        isDirectory: s.isDirectory,
        mode: (s.mode ?? 0) & 0o7777,
        size: s.size,
        mtimeMs: s.mtime?.getTime() ?? null,
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  async copyNew(src: string, dest: string, opts: { mode: number }): Promise<void> {
    // createNew claims the name (O_EXCL); copyFile then lets the kernel copy the bytes.
    const claim = await Deno.open(dest, { write: true, createNew: true, mode: 0o600 });
    claim.close();
    try {
      await Deno.copyFile(src, dest);
      await Deno.chmod(dest, opts.mode);
      const file = await Deno.open(dest, { write: true });
      try {
        await file.syncData();
      } finally {
        file.close();
      }
    } catch (err) {
      await Deno.remove(dest).catch(() => {});
      throw err;
    }
  },
  async link(target: string, link: string): Promise<void> {
    await Deno.link(target, link);
  },
  async rename(from: string, to: string): Promise<void> {
    await Deno.rename(from, to);
  },
  remove: (path: string): Promise<boolean> => denoFs.remove(path),
  list: (dir: string): Promise<string[] | null> => denoFs.list(dir),
};

/**
 * The executable file this process runs as, or null when it cannot be told.
 *
 * A `deno compile`d binary is its own `Deno.execPath()`. The packed executable's stub
 * names itself (the file in the CNI bin dir, not the unpacked Deno it execs). In the
 * launcher build it is the launcher: the name it was run by, else the `bin/multus` beside
 * the `lib/` the entry point was loaded from. Under a plain `deno run`/`deno test` there
 * is no executable of ours: null.
 */
export function currentExecutable(): string | null {
  const packed = packedExecutable();
  if (packed) return packed;
  const exec = Deno.execPath();
  if (exec.slice(exec.lastIndexOf("/") + 1) !== "deno") return exec;
  const argv0 = launcherArgv0();
  if (argv0) return argv0.startsWith("/") ? argv0 : `${Deno.cwd()}/${argv0}`;
  const main = new URL(Deno.mainModule);
  if (main.protocol !== "file:") return null;
  const launcherLayout = /^(.*)\/lib\/src\/main\.ts$/.exec(decodeURIComponent(main.pathname));
  return launcherLayout ? `${launcherLayout[1]}/bin/multus` : null;
}

/** Resource use of this process, as the daemon's metrics report it. */
export interface ProcessUsage {
  /** Resident set size (what a cgroup memory limit counts, besides page cache). */
  rssBytes: number;
  /** V8 heap in use. */
  heapUsedBytes: number;
  /** User plus system CPU time since the process started. */
  cpuSeconds: number;
  /** When the process started, in seconds since the epoch. */
  startTimeSeconds: number;
}

/** Linux's USER_HZ: the unit of the CPU times in `/proc/<pid>/stat`. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU seconds from `/proc/self/stat` (0 where there is no procfs). */
function cpuSeconds(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Reads {@linkcode ProcessUsage} of this process. (`node:process`'s `cpuUsage` would do
 * too, but importing it costs the daemon about 12 ms of start-up.)
 */
export function processUsage(): ProcessUsage {
  const mem = Deno.memoryUsage();
  return {
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuSeconds: cpuSeconds(),
    startTimeSeconds: performance.timeOrigin / 1000,
  };
}
