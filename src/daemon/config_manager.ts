/**
 * The daemon's config manager: installs the Multus CNI config the runtime reads.
 *
 * Auto mode (`multusConfigFile: "auto"`), as Multus's `pkg/server/config` with its
 * quirks fixed:
 *
 * - start: wait for the readiness indicator file (45 s), find the primary CNI config
 *   (retried 120 x 1 s), generate `00-multus.conf` with the engine and write it to
 *   `cniConfigDir` atomically (temp file + rename, mode 0600); the write is skipped
 *   when the file already holds the same text. A failure here is thrown (Multus exits).
 * - then: watch `multusAutoconfigDir`, `cniConfigDir` and the readiness file's
 *   directory; after each burst of changes, re-read and regenerate. A changed primary
 *   is written out; a different file becoming the lexically-first primary is switched
 *   to; `00-multus.conf` deleted or edited by someone else is rewritten.
 * - The primary deleted, unreadable or invalid: the last good `00-multus.conf` is kept
 *   and the problem logged (Multus writes an empty file). If the primary is gone for
 *   good the file stays, naming the missing `clusterNetwork`, so every ADD fails with
 *   that message; the file goes away only as listed below.
 * - The readiness file removed: `00-multus.conf` is removed at once (no pod may be set up
 *   while the default network is gone) and a `removed` change is reported. Multus then
 *   exits 2; this manager keeps running, keeps serving DEL, polls the file every second
 *   and reinstalls `00-multus.conf` as soon as it is back.
 * - stop (SIGTERM, restart): the file is left in place (Multus removes it, issue #1527:
 *   pods created during a restart silently got only the cluster network), unless
 *   `cleanupOnExit` is true (uninstall), which removes it.
 *
 * Copy mode (any other `multusConfigFile`): the file is copied to
 * `<cniConfigDir>/<basename>` atomically (never empty; a missing source is an error,
 * where Multus only logs), re-copied when it changes, and removed on stop only with
 * `cleanupOnExit`.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "../platform/path.ts";
import { type DaemonConf, type GeneratedMultusConf, generateMultusConf } from "../engine/daemon.ts";
import { denoFs, type Fs } from "../platform/fs.ts";
import { type Logger, silentLogger } from "../platform/log.ts";
import { denoWatcher, type DirWatch, type Watcher } from "../platform/watch.ts";
import { type Clock, realClock } from "../platform/clock.ts";
import { findPrimaryConfig, locatePrimary, MULTUS_CONF_NAME } from "../multus/primary_config.ts";
import { waitForReadinessFile } from "./readiness_file.ts";

/** What the manager did to the installed config. */
export type ConfigChange =
  | { kind: "written"; path: string; text: string; primary: string | null }
  | { kind: "removed"; path: string; reason: "readiness-file-removed" | "cleanup-on-exit" }
  | { kind: "kept"; path: string; reason: string };

/** Effects and timings; every one has a real default. */
export interface ConfigManagerOptions {
  fs?: Fs;
  watcher?: Watcher;
  clock?: Clock;
  logger?: Logger;
  /** Called after every change of the installed config (and when a bad primary is kept). */
  onChange?: (change: ConfigChange) => void;
  /** Primary discovery: 120 attempts, 1000 ms apart (Multus). */
  discovery?: { attempts?: number; intervalMs?: number };
  /** Readiness file: wait 45 000 ms at start, poll every 1000 ms (Multus). */
  readiness?: { timeoutMs?: number; pollMs?: number };
  /** Quiet time before a burst of file events is acted on (default 100 ms). */
  debounceMs?: number;
}

/**
 * Keeps the Multus CNI config in `cniConfigDir` in line with the daemon config and the
 * primary CNI config.
 *
 * @example Usage
 * ```ts ignore
 * const manager = new ConfigManager(parseDaemonConf(text), { logger, onChange });
 * await manager.start(); // throws when no primary appears within 120 s
 * // ... on SIGTERM:
 * await manager.stop(); // 00-multus.conf stays unless cleanupOnExit
 * ```
 */
export class ConfigManager {
  /** The installed file: `<cniConfigDir>/00-multus.conf`, or the copied file's name. */
  readonly path: string;
  readonly #conf: DaemonConf;
  readonly #fs: Fs;
  readonly #watcher: Watcher;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #opts: ConfigManagerOptions;
  readonly #abort = new AbortController();
  #watches: DirWatch[] = [];
  #current: string | null = null;
  #primary: string | null = null;
  #kept: string | null = null;
  #readinessLost = false;
  #dirty = false;
  #running: Promise<void> | null = null;
  #polling: Promise<void> | null = null;
  #stopped = false;

  constructor(conf: DaemonConf, opts: ConfigManagerOptions = {}) {
    this.#conf = conf;
    this.#opts = opts;
    this.#fs = opts.fs ?? denoFs;
    this.#watcher = opts.watcher ?? denoWatcher;
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.logger ?? silentLogger;
    const name = conf.autoConfig ? MULTUS_CONF_NAME : basename(conf.multusConfigFile);
    this.path = join(conf.cniConfigDir, name);
  }

  /** The text this manager last installed (or found already installed); null before
   * start and after the file was removed. */
  current(): string | null {
    return this.#current;
  }

  /** The primary CNI config in use (auto mode), or the copied source. */
  primary(): string | null {
    return this.#primary;
  }

  /**
   * Installs the config and starts watching.
   *
   * @throws {Error} when the readiness file or the primary never appears, when the
   *   first generation fails (with the engine's Multus message), or when the file to
   *   copy is missing or empty; nothing is watched then.
   */
  async start(): Promise<void> {
    const signal = this.#abort.signal;
    if (!this.#conf.autoConfig) {
      this.#primary = resolve(this.#conf.multusConfigFile);
      await this.#copy(true);
      this.#watch([dirname(this.#primary)]);
      return;
    }
    const c = this.#conf;
    if (c.readinessindicatorfile) {
      await waitForReadinessFile(c.readinessindicatorfile, {
        fs: this.#fs,
        clock: this.#clock,
        signal,
        ...this.#opts.readiness,
      });
    }
    this.#primary = await findPrimaryConfig(c.multusAutoconfigDir, {
      fs: this.#fs,
      masterName: c.multusMasterCNI,
      clock: this.#clock,
      signal,
      ...this.#opts.discovery,
    });
    signal.throwIfAborted();
    this.#log.verbose(`using the primary CNI configuration ${this.#primary}`);
    const dirs = [c.multusAutoconfigDir, dirname(this.#primary)];
    if (c.readinessindicatorfile) dirs.push(dirname(c.readinessindicatorfile));
    this.#watch(dirs);
    try {
      await this.#generate(this.#primary, true);
    } catch (err) {
      await this.#closeWatches();
      throw err;
    }
    // Watched once the file is in it (the directory may have been created by the write).
    this.#watch([c.cniConfigDir]);
  }

  /**
   * Stops watching and waits for work in progress. The installed file stays unless
   * `cleanupOnExit` is set.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    await this.#closeWatches();
    await this.#running;
    await this.#polling;
    if (!this.#conf.cleanupOnExit) {
      if (this.#current !== null) this.#log.verbose(`leaving ${this.path} in place`);
      return;
    }
    if (await this.#fs.remove(this.path)) {
      this.#log.verbose(`removed ${this.path} (cleanupOnExit)`);
      this.#current = null;
      this.#opts.onChange?.({ kind: "removed", path: this.path, reason: "cleanup-on-exit" });
    }
  }

  /** Resolves when no regeneration is pending (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Watches each directory not watched yet; one that cannot be watched is logged. */
  #watch(dirs: string[]): void {
    for (const dir of dirs) {
      if (this.#stopped) return;
      if (this.#watches.some((w) => resolve(w.dir) === resolve(dir))) continue;
      try {
        // Every burst triggers a full re-read: events are hints, and a regeneration
        // that changes nothing writes nothing (so our own writes settle in one round).
        this.#watches.push(this.#watcher.watch(dir, () => this.#schedule(), {
          ...(this.#opts.debounceMs !== undefined ? { debounceMs: this.#opts.debounceMs } : {}),
          onError: (err) => this.#log.error(`watching ${dir} failed: ${String(err)}`),
        }));
      } catch (err) {
        this.#log.error(`cannot watch ${dir}, changes there go unnoticed: ${String(err)}`);
      }
    }
  }

  async #closeWatches(): Promise<void> {
    const watches = this.#watches;
    this.#watches = [];
    await Promise.all(watches.map((w) => w.close()));
  }

  #schedule(): void {
    this.#dirty = true;
    if (this.#running || this.#stopped) return;
    this.#running = (async () => {
      while (this.#dirty && !this.#stopped) {
        this.#dirty = false;
        try {
          await this.#reconcile();
        } catch (err) {
          this.#log.error(`failed to update ${this.path}: ${String(err)}`);
        }
      }
      this.#running = null;
    })();
  }

  async #reconcile(): Promise<void> {
    if (!this.#conf.autoConfig) return await this.#copy(false);
    const c = this.#conf;
    if (c.readinessindicatorfile && !(await this.#fs.stat(c.readinessindicatorfile))) {
      return await this.#loseReadiness(c.readinessindicatorfile);
    }
    if (this.#readinessLost) {
      this.#readinessLost = false;
      this.#log.verbose(`readiness indicator file ${c.readinessindicatorfile} is back`);
    }
    const primary = await locatePrimary(c.multusAutoconfigDir, {
      fs: this.#fs,
      masterName: c.multusMasterCNI,
    });
    if (primary === null) {
      return this.#keep(`no primary CNI configuration in ${c.multusAutoconfigDir}`);
    }
    if (primary !== this.#primary) {
      this.#log.verbose(`primary CNI configuration changed from ${this.#primary} to ${primary}`);
      this.#primary = primary;
    }
    await this.#generate(primary, false);
  }

  /** Generates from `primary` and installs the result; `strict` throws instead of keeping. */
  async #generate(primary: string, strict: boolean): Promise<void> {
    const text = await this.#fs.readText(primary);
    if (text === null) {
      const reason = `the primary CNI configuration ${primary} does not exist`;
      if (strict) throw new Error(reason);
      return this.#keep(reason);
    }
    let out: GeneratedMultusConf;
    try {
      out = generateMultusConf(this.#conf.overlay, { path: primary, text }, {
        autoconfigDir: this.#conf.multusAutoconfigDir,
      });
    } catch (err) {
      if (strict) throw err;
      return this.#keep(err instanceof Error ? err.message : String(err));
    }
    if (out.primaryRewrite !== undefined) {
      this.#log.verbose(`forceCNIVersion: rewriting ${primary} with cniVersion ${out.cniVersion}`);
      await this.#fs.writeAtomic(primary, out.primaryRewrite, { mode: 0o644, durable: true });
    }
    await this.#install(out.text);
  }

  async #copy(strict: boolean): Promise<void> {
    const source = this.#primary ?? "";
    const text = await this.#fs.readText(source);
    if (text === null || text.trim() === "") {
      const reason = `failed to copy the user provided configuration ${source}: ${
        text === null ? "it does not exist" : "it is empty"
      }`;
      if (strict) throw new Error(reason);
      return this.#keep(reason);
    }
    await this.#install(text);
  }

  async #install(text: string): Promise<void> {
    if (text.trim() === "") throw new Error(`refusing to write an empty ${this.path}`);
    this.#kept = null;
    if ((await this.#fs.readText(this.path)) === text) {
      this.#current = text;
      return;
    }
    await this.#fs.writeAtomic(this.path, text, { mode: 0o600, durable: true });
    this.#current = text;
    this.#log.verbose(`wrote ${this.path}: ${text}`);
    this.#opts.onChange?.({ kind: "written", path: this.path, text, primary: this.#primary });
  }

  #keep(reason: string): void {
    if (this.#kept === reason) return;
    this.#kept = reason;
    const what = this.#current === null ? "nothing installed" : `keeping ${this.path}`;
    this.#log.error(`${reason}; ${what}`);
    this.#opts.onChange?.({ kind: "kept", path: this.path, reason });
  }

  async #loseReadiness(file: string): Promise<void> {
    if (!this.#readinessLost) {
      this.#readinessLost = true;
      this.#kept = null;
      const removed = await this.#fs.remove(this.path);
      this.#current = null;
      this.#log.error(
        `readiness indicator file ${file} is gone: ${
          removed ? "removed" : "no"
        } ${this.path}; pods wait until the default network is back`,
      );
      this.#opts.onChange?.({ kind: "removed", path: this.path, reason: "readiness-file-removed" });
    }
    this.#polling ??= this.#pollReadiness(file);
  }

  /** While the readiness file is gone, check it every poll interval (its directory may
   * have gone too, and with it the watch). */
  async #pollReadiness(file: string): Promise<void> {
    const pollMs = this.#opts.readiness?.pollMs ?? 1000;
    try {
      while (this.#readinessLost && !this.#stopped) {
        await this.#clock.sleep(pollMs, this.#abort.signal);
        if (!this.#stopped && (await this.#fs.stat(file))) this.#schedule();
        await this.idle();
      }
    } finally {
      this.#polling = null;
    }
  }
}
