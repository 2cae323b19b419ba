/**
 * Multus-compatible logging: lines `<RFC3339 local time> [<level>] <message>` to stderr
 * and/or a file, levels `panic` < `error` < `verbose` < `debug` (a message prints when
 * its level is at or below the configured one; the default is `panic`), and
 * lumberjack-style rotation of the file by `logOptions` (maxSize MB, maxBackups,
 * maxAge days, compress). Writes are synchronous so a short-lived plugin loses nothing
 * at exit. Bearer tokens, private keys and `token` fields are redacted from every line.
 *
 * @module
 */

/** Multus's log levels, most severe first. */
export type LogLevel = "panic" | "error" | "verbose" | "debug";

const LEVELS: Record<LogLevel, number> = { panic: 0, error: 1, verbose: 2, debug: 3 };

/** Rotation options (Multus `logOptions`; lumberjack's defaults). */
export interface LogOptions {
  maxAge?: number;
  maxSize?: number;
  maxBackups?: number;
  compress?: boolean;
}

/** What the logger writes to. */
export interface LoggerConfig {
  level?: LogLevel;
  toStderr?: boolean;
  file?: string;
  options?: LogOptions;
}

/** The logging calls product code makes. */
export interface Logger {
  debug(msg: string): void;
  verbose(msg: string): void;
  error(msg: string): void;
  /** Logged at error level with the prefix `warning: `, as Multus's `Warningf`. */
  warning(msg: string): void;
  /** Whether `level` messages are written (to skip building expensive messages). */
  enabled(level: LogLevel): boolean;
}

/** Whether `name` is one of the four levels (case-insensitive). */
export function isLogLevel(name: string): name is LogLevel {
  return name.toLowerCase() in LEVELS;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** RFC3339 in local time, as Go's `time.Now().Format(time.RFC3339)`. */
export function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const zone = off === 0
    ? "Z"
    : `${off > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}${zone}`;
}

const REDACTIONS: Array<[RegExp, string]> = [
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]"],
  [/("(?:token|client-key-data|password)"\s*:\s*")[^"]*"/gi, '$1[redacted]"'],
  [/((?:^|\s)(?:token|client-key-data|password):\s*)\S+/gi, "$1[redacted]"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, "[redacted key]"],
];

/** `msg` with credentials replaced by `[redacted]`. */
export function redact(msg: string): string {
  let out = msg;
  for (const [re, by] of REDACTIONS) out = out.replace(re, by);
  return out;
}

const encoder = new TextEncoder();

function backupName(file: string, d: Date): string {
  const slash = file.lastIndexOf("/");
  const base = file.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ""];
  const stamp = d.toISOString().replace(/:/g, "-").replace("Z", "");
  return `${file.slice(0, slash + 1)}${stem}-${stamp}${ext}`;
}

class FileSink {
  #size: number | null = null;
  constructor(readonly path: string, readonly opts: Required<LogOptions>) {}

  write(line: string): void {
    const bytes = encoder.encode(line);
    try {
      if (this.#size === null) {
        try {
          this.#size = Deno.statSync(this.path).size;
        } catch {
          this.#size = 0;
        }
      }
      if (this.#size + bytes.length > this.opts.maxSize * 1024 * 1024 && this.#size > 0) {
        this.#rotate();
      }
      Deno.writeFileSync(this.path, bytes, { append: true, create: true, mode: 0o600 });
      this.#size += bytes.length;
    } catch {
      // Logging must never fail the CNI operation.
    }
  }

  #rotate(): void {
    const now = new Date();
    const backup = backupName(this.path, now);
    Deno.renameSync(this.path, backup);
    this.#size = 0;
    if (this.opts.compress) {
      try {
        const gz = new Deno.Command("gzip", { args: ["-f", backup] }).outputSync();
        if (!gz.success) return;
      } catch {
        // no gzip: keep the uncompressed backup
      }
    }
    this.#prune(now);
  }

  #prune(now: Date): void {
    const slash = this.path.lastIndexOf("/");
    const dir = this.path.slice(0, slash) || ".";
    const base = this.path.slice(slash + 1);
    const dot = base.lastIndexOf(".");
    const stem = dot > 0 ? base.slice(0, dot) : base;
    const backups: string[] = [];
    for (const e of Deno.readDirSync(dir)) {
      if (e.isFile && e.name !== base && e.name.startsWith(`${stem}-`)) backups.push(e.name);
    }
    backups.sort().reverse();
    const maxAgeMs = this.opts.maxAge * 24 * 3600 * 1000;
    backups.forEach((name, i) => {
      const path = `${dir}/${name}`;
      let old = false;
      try {
        const m = Deno.statSync(path).mtime;
        old = this.opts.maxAge > 0 && m !== null && now.getTime() - m.getTime() > maxAgeMs;
      } catch {
        return;
      }
      if ((this.opts.maxBackups > 0 && i >= this.opts.maxBackups) || old) {
        try {
          Deno.removeSync(path);
        } catch {
          // gone already
        }
      }
    });
  }
}

/** The Multus logger. Reconfigure it with {@linkcode MultusLogger.configure}. */
export class MultusLogger implements Logger {
  #level = 0;
  #toStderr = true;
  #file: FileSink | null = null;
  #now: () => Date;

  /** A logger; `now` is injectable for tests. */
  constructor(config: LoggerConfig = {}, now: () => Date = () => new Date()) {
    this.#now = now;
    this.configure(config);
  }

  /** Applies `config`; an unknown level is reported on stderr and the old one kept. */
  configure(config: LoggerConfig): void {
    if (config.level !== undefined) this.setLevel(config.level);
    if (config.toStderr !== undefined) this.#toStderr = config.toStderr;
    if (config.file !== undefined) {
      this.#file = config.file
        ? new FileSink(config.file, {
          maxAge: config.options?.maxAge ?? 5,
          maxSize: config.options?.maxSize ?? 100,
          maxBackups: config.options?.maxBackups ?? 5,
          compress: config.options?.compress ?? true,
        })
        : null;
    }
  }

  /** Sets the level by name, as Multus's `SetLogLevel`. */
  setLevel(name: string): void {
    const key = name.toLowerCase();
    if (key in LEVELS) this.#level = LEVELS[key as LogLevel];
    else {
      Deno.stderr.writeSync(
        encoder.encode(`multus logging: cannot set logging level to ${name}\n`),
      );
    }
  }

  enabled(level: LogLevel): boolean {
    return LEVELS[level] <= this.#level;
  }

  #log(level: LogLevel, msg: string): void {
    if (!this.enabled(level)) return;
    const line = `${rfc3339(this.#now())} [${level}] ${redact(msg)}\n`;
    if (this.#toStderr) {
      try {
        Deno.stderr.writeSync(encoder.encode(line));
      } catch {
        // stderr closed
      }
    }
    this.#file?.write(line);
  }

  debug(msg: string): void {
    this.#log("debug", msg);
  }
  verbose(msg: string): void {
    this.#log("verbose", msg);
  }
  error(msg: string): void {
    this.#log("error", msg);
  }
  warning(msg: string): void {
    this.#log("error", `warning: ${msg}`);
  }
}

/** A logger that drops everything (tests and quiet paths). */
export const silentLogger: Logger = {
  debug: () => {},
  verbose: () => {},
  error: () => {},
  warning: () => {},
  enabled: () => false,
};
