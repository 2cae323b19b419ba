/**
 * Running other programs (CNI delegates, `ip`, `nsenter`) with an exact environment, a
 * timeout and cancellation. The only place that starts processes.
 *
 * @module
 */
import { afterMs } from "./clock.ts";

/** What to run. */
export interface ExecRequest {
  /** Absolute path of the program. */
  path: string;
  /** Arguments after the program name. */
  args?: string[];
  /** The complete environment of the child; nothing else is inherited. */
  env: Record<string, string>;
  /** Bytes or text for the child's stdin (empty when absent). */
  stdin?: string | Uint8Array;
  /** Kill the child (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  /** Kill the child (SIGKILL) when this signal aborts. */
  signal?: AbortSignal;
  /** Run the program inside this root directory (`chroot`), as Multus thick does. */
  chrootDir?: string;
  /**
   * Keep at most this many bytes of stdout: one more kills the child (SIGKILL) and sets
   * `stdoutOverflow`; what was read is dropped. Unbounded when absent.
   */
  maxStdoutBytes?: number;
  /**
   * Keep the first this many bytes of stderr; the rest is read and dropped (counted in
   * `stderrDropped`), and the child runs on. Unbounded when absent.
   */
  maxStderrBytes?: number;
}

/** What a finished child left behind. */
export interface ExecOutput {
  /** Exit code, or null when a signal ended the child. */
  code: number | null;
  /** The signal that ended the child, if any. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the child was killed because `timeoutMs` passed. */
  timedOut: boolean;
  /** True when the child was killed because `signal` aborted. */
  aborted: boolean;
  /** True when the child was killed for printing more than `maxStdoutBytes` (stdout is ""). */
  stdoutOverflow?: boolean;
  /** How many bytes of stderr beyond `maxStderrBytes` were dropped. */
  stderrDropped?: number;
}

/** Runs programs. Tests pass recording fakes. */
export interface Exec {
  /** Runs `req` to completion. Throws only when the program cannot be started. */
  run(req: ExecRequest): Promise<ExecOutput>;
}

const CHROOT = "/usr/sbin/chroot";
const decoder = new TextDecoder();

/** Runs programs with `Deno.Command`. */
export const denoExec: Exec = {
  async run(req: ExecRequest): Promise<ExecOutput> {
    const [cmd, args] = req.chrootDir
      ? [CHROOT, [req.chrootDir, req.path, ...(req.args ?? [])]]
      : [req.path, req.args ?? []];
    const child = new Deno.Command(cmd, {
      args,
      env: req.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let timedOut = false;
    let aborted = false;
    let stdoutOverflow = false;
    const kill = (): void => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
    };
    const cancelTimer = req.timeoutMs === undefined ? undefined : afterMs(req.timeoutMs, () => {
      timedOut = true;
      kill();
    });
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    req.signal?.addEventListener("abort", onAbort, { once: true });
    if (req.signal?.aborted) onAbort();
    try {
      const writer = child.stdin.getWriter();
      const input = req.stdin ?? "";
      const stdout = drain(child.stdout, {
        max: req.maxStdoutBytes ?? Infinity,
        onOverflow: () => {
          stdoutOverflow = true;
          kill();
        },
      });
      const stderr = drain(child.stderr, { max: req.maxStderrBytes ?? Infinity });
      try {
        await writer.write(typeof input === "string" ? new TextEncoder().encode(input) : input);
        await writer.close();
      } catch {
        // The child may exit without reading stdin; its output still tells what happened.
      }
      const status = await child.status;
      // A killed child's own children may still hold the pipes open: stop waiting then.
      const grace = timedOut || aborted || stdoutOverflow ? 200 : 5_000;
      const [out, err] = await Promise.all([stdout.settle(grace), stderr.settle(grace)]);
      return {
        code: status.signal ? null : status.code,
        signal: status.signal,
        stdout: stdoutOverflow ? "" : out.text,
        stderr: err.text,
        timedOut,
        aborted,
        ...(stdoutOverflow ? { stdoutOverflow } : {}),
        ...(err.dropped > 0 ? { stderrDropped: err.dropped } : {}),
      };
    } finally {
      cancelTimer?.();
      req.signal?.removeEventListener("abort", onAbort);
    }
  },
};

/**
 * Reads a stream to its end in the background, keeping at most `max` bytes: beyond that
 * the rest is read and counted, never kept, and `onOverflow` (if any) is told once, after
 * which reading stops. `settle` stops waiting after a grace period.
 */
function drain(
  stream: ReadableStream<Uint8Array>,
  limit: { max: number; onOverflow?: () => void },
): { settle(graceMs: number): Promise<{ text: string; dropped: number }> } {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let dropped = 0;
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const room = limit.max - kept;
        if (value.length <= room) {
          chunks.push(value);
          kept += value.length;
          continue;
        }
        if (room > 0) chunks.push(value.slice(0, room));
        kept += Math.max(room, 0);
        dropped += value.length - Math.max(room, 0);
        if (limit.onOverflow) {
          chunks.length = 0;
          limit.onOverflow();
          return;
        }
      }
    } catch {
      // cancelled or broken pipe: keep what arrived
    }
  })();
  return {
    async settle(graceMs: number): Promise<{ text: string; dropped: number }> {
      let cancel = (): void => {};
      const late = new Promise<void>((resolve) => cancel = afterMs(graceMs, resolve));
      await Promise.race([done, late]);
      cancel();
      await reader.cancel().catch(() => {});
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const all = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      return { text: decoder.decode(all), dropped };
    },
  };
}
