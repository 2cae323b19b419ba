/**
 * Timing helpers for benchmarks: interleaved rounds (so drift on a shared machine hits
 * every variant alike), percentiles, and the table + JSON report.
 *
 * @module
 */

/** Summary of a series of samples (milliseconds unless stated). */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

/** Percentile `p` (0-100) of `xs` by nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

/** Median, p95, mean, min and max of `xs`. */
export function summarize(xs: number[]): Summary {
  return {
    n: xs.length,
    median: percentile(xs, 50),
    p95: percentile(xs, 95),
    mean: xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1),
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
}

/**
 * The overhead of `xs` over `floor`, measured in the same rounds: the median and p95 of
 * the per-round differences, so a hiccup that slows one round of one side does not skew
 * the comparison the way subtracting two separate percentiles does.
 */
export function pairedOverhead(xs: number[], floor: number[]): { median: number; p95: number } {
  const diffs = xs.map((x, i) => x - (floor[i] ?? 0));
  return { median: percentile(diffs, 50), p95: percentile(diffs, 95) };
}

/** One thing to time: `run` returns the measured ms (or measures itself). */
export interface Variant {
  name: string;
  prepare?: () => Promise<void>;
  run: () => Promise<number>;
}

/** Runs `rounds` interleaved rounds of every variant after `warmup` rounds. */
export async function interleave(
  variants: Variant[],
  opts: { rounds: number; warmup: number },
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let r = 0; r < opts.warmup + opts.rounds; r++) {
    for (const v of variants) {
      await v.prepare?.();
      const ms = await v.run();
      if (r >= opts.warmup) samples[v.name]!.push(ms);
    }
  }
  return samples;
}

/** Times one command execution (spawn to exit) in ms; throws when it fails. */
export async function timeCommand(
  path: string,
  opts: {
    args?: string[];
    env?: Record<string, string>;
    stdin?: string;
    check?: (out: string) => void;
  },
): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(path, {
    args: opts.args ?? [],
    env: opts.env ?? {},
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(opts.stdin ?? ""));
  await w.close();
  const out = await child.output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(
      `${path} failed (${out.code}): ${new TextDecoder().decode(out.stdout)}${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  opts.check?.(new TextDecoder().decode(out.stdout));
  return ms;
}

/** Formats rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The columns every timing table prints. */
export const SUMMARY_HEADER = ["", "n", "median", "p95", "mean", "min"];

/** One timing-table row: `name` and `s`'s n, median, p95, mean and min. */
export function summaryRow(name: string, s: Summary): string[] {
  return [name, String(s.n), fmt(s.median), fmt(s.p95), fmt(s.mean), fmt(s.min)];
}

/** `x` with `d` decimals. */
export function fmt(x: number, d = 2): string {
  return Number.isFinite(x) ? x.toFixed(d) : "-";
}
