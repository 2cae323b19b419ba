/**
 * What `multus doctor` reports: one finding per check (PASS, WARN or FAIL, what was
 * checked and found, and the fix), printed one line each for people or as JSON for tools,
 * and the exit code (1 when anything failed; warnings alone exit 0).
 *
 * @module
 */

/** A check's verdict (`skip`: not applicable here, or not observable). */
export type Verdict = "pass" | "warn" | "fail" | "skip";

/** One check's finding. */
export interface Finding {
  /** Which check, e.g. `config`, `kubeconfig`, `token`, `api`, `rbac`, `daemon`, `binaries`, `cache`. */
  check: string;
  verdict: Verdict;
  /** What was checked and what was found (never a secret). */
  what: string;
  /** What to do about it (for warn and fail). */
  fix?: string;
}

/** A finding of `check`. */
export function finding(check: string, verdict: Verdict, what: string, fix?: string): Finding {
  return fix === undefined ? { check, verdict, what } : { check, verdict, what, fix };
}

/** 1 when any finding failed, else 0. */
export function exitCodeOf(findings: readonly Finding[]): number {
  return findings.some((f) => f.verdict === "fail") ? 1 : 0;
}

/**
 * The human report: one line per finding, `PASS|WARN|FAIL|SKIP  check  what`, the fix after
 * ` -> fix: `, and a summary line.
 *
 * @example
 * ```ts
 * formatFindings([finding("api", "pass", "https://10.96.0.1:443 answers (v1.31.0)")]);
 * // "PASS  api        https://10.96.0.1:443 answers (v1.31.0)\n0 failed, 0 warnings, 1 passed, 0 skipped\n"
 * ```
 */
export function formatFindings(findings: readonly Finding[]): string {
  const lines = findings.map((f) => {
    const head = `${f.verdict.toUpperCase()}  ${f.check.padEnd(10)} ${f.what}`;
    return f.fix ? `${head} -> fix: ${f.fix}` : head;
  });
  const count = (v: Verdict) => findings.filter((f) => f.verdict === v).length;
  lines.push(
    `${count("fail")} failed, ${count("warn")} warnings, ${count("pass")} passed, ${
      count("skip")
    } skipped`,
  );
  return `${lines.join("\n")}\n`;
}

/** The JSON report: `{"ok": bool, "findings": [...]}` on one line. */
export function findingsJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ ok: exitCodeOf(findings) === 0, findings })}\n`;
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
