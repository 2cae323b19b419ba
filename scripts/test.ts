// deno-lint-ignore-file no-console
/**
 * `deno task test`: the whole test suite, as root, on a fresh machine.
 *
 * 1. builds `dist/` (scripts/build.ts);
 * 2. static checks: deno fmt, lint, type check, the layer boundaries, cargo fmt and
 *    clippy (of the toolchain bootstrap chose; a missing tool fails its check);
 * 3. the engine's case files natively (`cargo test` with the wasm toolchain's rustc);
 * 4. every Deno test (unit, the same case files through engine.wasm, integration tests
 *    with real plugins in network namespaces, the API double and the dist/ binaries)
 *    with a JUnit report.
 *
 * It ends with one line `N passed, N failed`, computed from the reports (each static
 * check counts as one test), and exits non-zero on any failure.
 *
 * Flags: `--filter <text>` passes a name filter to deno test; `--skip-static` skips step 2.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "./build.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const reports = join(root, "reports");

interface Outcome {
  name: string;
  ok: boolean;
  detail?: string;
}

const outcomes: Outcome[] = [];

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; capture?: boolean } = {},
): Promise<{ ok: boolean; out: string }> {
  const res = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? root,
    env: opts.env ?? {},
    stdout: opts.capture ? "piped" : "inherit",
    stderr: opts.capture ? "piped" : "inherit",
  }).output();
  const out = opts.capture
    ? new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr)
    : "";
  return { ok: res.success, out };
}

async function check(
  name: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<void> {
  const { ok, out } = await run(cmd, args, { capture: true, ...opts }).catch((err) => ({
    ok: false,
    out: `cannot run ${cmd}: ${err} (scripts/bootstrap.sh installs it)`,
  }));
  outcomes.push({ name: `check: ${name}`, ok, ...(ok ? {} : { detail: out.slice(-4000) }) });
  console.log(`${ok ? "ok  " : "FAIL"} check: ${name}`);
  if (!ok) console.log(out.slice(-4000));
}

function toolchainEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of Deno.readTextFileSync(join(root, ".tools/wasm-toolchain.env")).split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

async function staticChecks(deno: string): Promise<void> {
  await check("deno fmt", deno, ["fmt", "--check"]);
  await check("deno lint", deno, ["lint"]);
  await check("deno check", deno, ["check", "src", "tests", "scripts"]);
  await check("layer boundaries", deno, ["run", "--allow-read", "scripts/check_boundaries.ts"]);
  // cargo fmt and clippy of the toolchain bootstrap chose (Debian's rustfmt and
  // rust-clippy, or rustup's components): a missing one fails the check, never skips it.
  const tc = toolchainEnv();
  const binDir = tc.WASM_BIN_DIR ?? "/usr/bin";
  const env = {
    CARGO_HOME: join(root, ".tools/cargo-home"),
    RUSTC: tc.WASM_RUSTC ?? "/usr/bin/rustc",
    PATH: `${binDir}:/usr/bin:/bin`,
  };
  const cargo = tc.WASM_CARGO ?? "/usr/bin/cargo";
  const wasm = join(root, "wasm");
  await check("cargo fmt", cargo, ["fmt", "--check"], { cwd: wasm, env });
  await check("cargo clippy", cargo, [
    "clippy",
    "--offline",
    "--all-targets",
    "--",
    "-D",
    "warnings",
  ], { cwd: wasm, env });
}

async function cargoTests(): Promise<void> {
  const tc = toolchainEnv();
  const { ok, out } = await run(tc.WASM_CARGO ?? "/usr/bin/cargo", ["test", "--offline"], {
    cwd: join(root, "wasm"),
    env: { CARGO_HOME: join(root, ".tools/cargo-home"), RUSTC: tc.WASM_RUSTC ?? "/usr/bin/rustc" },
    capture: true,
  });
  const lines = [...out.matchAll(/^test (\S+) \.\.\. (ok|FAILED|ignored)$/gm)];
  for (const [, name, status] of lines) {
    if (status === "ignored") continue;
    outcomes.push({ name: `cargo: ${name}`, ok: status === "ok" });
  }
  if (!ok && !lines.some(([, , s]) => s === "FAILED")) {
    outcomes.push({ name: "cargo: build", ok: false, detail: out.slice(-4000) });
  }
  console.log(out.split("\n").filter((l) => /FAILED|panicked|error/.test(l)).join("\n"));
  console.log(`cargo test: ${lines.length} tests (${tc.WASM_TOOLCHAIN} toolchain)`);
}

function parseJunit(xml: string): Outcome[] {
  const out: Outcome[] = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const attrs = m[1] ?? "";
    const body = m[3] ?? "";
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1] ?? "?";
    const cls = /\bclassname="([^"]*)"/.exec(attrs)?.[1] ?? "";
    if (/<skipped/.test(body)) continue;
    out.push({ name: `deno: ${cls} > ${name}`, ok: !/<failure|<error/.test(body) });
  }
  return out;
}

async function denoTests(deno: string, filter: string | undefined): Promise<void> {
  const junit = join(reports, "deno-junit.xml");
  await Deno.remove(junit).catch(() => {});
  const args = ["test", "--allow-all", "--reporter=dot", `--junit-path=${junit}`];
  if (filter) args.push(`--filter=${filter}`);
  const { ok } = await run(deno, args);
  let xml = "";
  try {
    xml = await Deno.readTextFile(junit);
  } catch {
    outcomes.push({ name: "deno: test run", ok: false, detail: "no JUnit report was written" });
    return;
  }
  const parsed = parseJunit(xml);
  outcomes.push(...parsed);
  if (!ok && parsed.every((o) => o.ok)) {
    outcomes.push({ name: "deno: test run", ok: false, detail: "deno test failed outside a test" });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { filter: { type: "string" }, "skip-static": { type: "boolean" } },
  });
  if (Deno.uid() !== 0) {
    console.error("test: run as root: the integration tests create network namespaces");
    return 1;
  }
  await Deno.mkdir(reports, { recursive: true });
  const deno = Deno.execPath();
  try {
    await build();
    outcomes.push({ name: "build: dist", ok: true });
  } catch (err) {
    outcomes.push({ name: "build: dist", ok: false, detail: String(err) });
  }
  if (!values["skip-static"]) await staticChecks(deno);
  await cargoTests();
  await denoTests(deno, values.filter);
  const failed = outcomes.filter((o) => !o.ok);
  await Deno.writeTextFile(
    join(reports, "summary.json"),
    JSON.stringify(
      { passed: outcomes.length - failed.length, failed: failed.length, outcomes },
      null,
      2,
    ),
  );
  if (failed.length > 0) {
    console.log("\nFailed:");
    for (const f of failed) console.log(`  ${f.name}${f.detail ? `\n${f.detail}` : ""}`);
  }
  console.log(`\n${outcomes.length - failed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

// `deno test` must never run this file as a test module (deno.json limits discovery to
// src/ and tests/; the guard keeps a stray `deno test scripts/` from recursing).
if (import.meta.main) Deno.exit(await main());
