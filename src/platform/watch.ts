/**
 * Watching a directory for changes: a thin, debounced layer over `Deno.watchFs`
 * (inotify on Linux), plus a fake for tests.
 *
 * Notifications are hints, not facts: a burst of events (a CNI plugin writing its
 * config in several steps, a rename over a file) arrives as one call with the names
 * that changed, and the receiver re-reads what it cares about. Event kinds are not
 * passed on, because they differ between platforms and between an in-place write and
 * a rename over the file.
 *
 * @module
 */
import { basename, dirname, resolve } from "./path.ts";

/** Receives the names (entries of the watched directory) that changed in one burst;
 * `"."` stands for the directory itself. */
export type WatchCallback = (names: string[]) => void;

/** Options of {@linkcode Watcher.watch}. */
export interface WatchOptions {
  /** Quiet time after the last event before the callback runs (default 100 ms). */
  debounceMs?: number;
  /** Called when the watch fails after it started (for example the directory went away). */
  onError?: (err: unknown) => void;
}

/** A running watch. */
export interface DirWatch {
  /** The watched directory, as given. */
  readonly dir: string;
  /** Stops watching; a pending notification is dropped. Resolves once the watch ended. */
  close(): Promise<void>;
}

/** Starts watches. Product code takes one of these; tests pass {@linkcode FakeWatcher}. */
export interface Watcher {
  /**
   * Watches the entries of `dir` (not recursively).
   *
   * @throws {Deno.errors.NotFound} when `dir` does not exist (real watcher).
   */
  watch(dir: string, onChange: WatchCallback, opts?: WatchOptions): DirWatch;
}

/** The default debounce: long enough to merge a write + rename, short enough to be unnoticed. */
export const DEFAULT_DEBOUNCE_MS = 100;

/** The real watcher over `Deno.watchFs`. */
export const denoWatcher: Watcher = {
  watch(dir: string, onChange: WatchCallback, opts: WatchOptions = {}): DirWatch {
    const root = resolve(dir);
    const fsWatcher = Deno.watchFs(root, { recursive: false });
    const debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    let pending = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const flush = (): void => {
      timer = undefined;
      if (closed || pending.size === 0) return;
      const names = [...pending].sort();
      pending = new Set();
      onChange(names);
    };
    const loop = (async (): Promise<void> => {
      try {
        for await (const event of fsWatcher) {
          if (event.kind === "access") continue;
          for (const path of event.paths) {
            const abs = resolve(path);
            if (abs === root) pending.add(".");
            else if (dirname(abs) === root) pending.add(basename(abs));
          }
          if (pending.size === 0) continue;
          if (timer !== undefined) clearTimeout(timer);
          timer = setTimeout(flush, debounceMs);
        }
      } catch (err) {
        if (!closed) opts.onError?.(err);
      }
    })();
    return {
      dir,
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        try {
          fsWatcher.close();
        } catch {
          // already closed by the runtime
        }
        await loop;
      },
    };
  },
};

/** A watch the fake started. */
export interface FakeWatch {
  dir: string;
  onChange: WatchCallback;
  opts: WatchOptions;
  closed: boolean;
}

/**
 * A watcher for tests: nothing is watched; {@linkcode FakeWatcher.emit} delivers a
 * notification at once (no debounce) to every open watch of a directory.
 *
 * @example Usage
 * ```ts
 * import { FakeWatcher } from "./watch.ts";
 * const fake = new FakeWatcher();
 * const seen: string[][] = [];
 * fake.watch("/etc/cni/net.d", (names) => seen.push(names));
 * fake.emit("/etc/cni/net.d", ["10-flannel.conflist"]);
 * console.assert(seen.length === 1);
 * ```
 */
export class FakeWatcher implements Watcher {
  /** Every watch started, closed ones included. */
  readonly watches: FakeWatch[] = [];

  watch(dir: string, onChange: WatchCallback, opts: WatchOptions = {}): DirWatch {
    const w: FakeWatch = { dir, onChange, opts, closed: false };
    this.watches.push(w);
    return {
      dir,
      close: () => {
        w.closed = true;
        return Promise.resolve();
      },
    };
  }

  /** The directories watched now. */
  open(): string[] {
    return this.watches.filter((w) => !w.closed).map((w) => w.dir);
  }

  /** Delivers `names` to every open watch of `dir`; returns how many received it. */
  emit(dir: string, names: string[]): number {
    const targets = this.watches.filter((w) => !w.closed && resolve(w.dir) === resolve(dir));
    for (const w of targets) w.onChange([...names]);
    return targets.length;
  }

  /** Reports `err` to every open watch of `dir` that has an `onError`. */
  fail(dir: string, err: unknown): void {
    for (const w of this.watches) {
      if (!w.closed && resolve(w.dir) === resolve(dir)) w.opts.onError?.(err);
    }
  }
}
