// deno-lint-ignore-file no-console
/**
 * `deno task build`: builds `wasm/` into `src/engine/engine.wasm`, writes the build
 * info, and produces `dist/bin/multus` with `multus-shim`, `multus-daemon` and
 * `passthru` as hard links to it (the mode comes from the name it is run by).
 *
 * `dist/bin/multus` is one self-contained executable, whichever way it is made:
 *
 * - `compiled`: `deno compile` where its runtime is given (`DENORT_BIN=/path/denort`), as
 *   the Dockerfile does;
 * - `packed` (the default: no registry reachable here ships denort): a static stub
 *   (scripts/pack/stub.c) with the pinned Deno, the program and the npm packages it loads
 *   appended, unpacked on first use into a verified root-only directory named by the
 *   payload's hash (scripts/pack/pack.ts says how);
 * - `launcher` (`--launcher`, for the benchmark only): execs this clone's Deno by absolute
 *   paths, so it runs only where the clone is.
 *
 * `--quiet` leaves out the closing line. `dist/BUILD.json` records what was built.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeLauncher } from "./launcher/launcher.ts";
import { type Packed, packExecutable } from "./pack/pack.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const tools = join(root, ".tools");

/**
 * Permission flags of every mode: compiled in, or passed by the stub and the launcher. A
 * root CNI plugin needs them all: Deno refuses even a stat of `/proc/<pid>/ns/net` (the
 * netns path some runtimes pass) without full permissions.
 */
export const PERMISSION_FLAGS = ["--allow-all"];

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; quiet?: boolean } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd ?? root,
    env: opts.env ?? {},
    stdout: "piped",
    stderr: opts.quiet ? "piped" : "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = opts.quiet ? new TextDecoder().decode(out.stderr) : "";
    throw new Error(`Cannot build: "${cmd} ${args.join(" ")}" exited ${out.code}\n${text}${err}`);
  }
  return text;
}

function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

/**
 * Binaryen's optimizer (Debian's `binaryen`, installed by scripts/bootstrap.sh). The thin
 * plugin compiles each engine function on its first call, every exec, so what the engine's
 * per-pod operations reach is paid for by every pod: `-O3` over the cargo output (already
 * `opt-level = "z"` with LTO) cuts that first-call compile by about 2 ms per thin ADD and
 * 1.5 ms per thin DEL (it beat `-Oz`, `-Os`, `-O2` and `-O4` in interleaved runs).
 */
export const WASM_OPT = "/usr/bin/wasm-opt";
const WASM_OPT_FLAGS = ["-O3", "--enable-bulk-memory"];

/** Builds the engine with the toolchain bootstrap chose; returns the wasm's path. */
export async function buildEngine(): Promise<string> {
  const tc = readEnvFile(join(tools, "wasm-toolchain.env"));
  const cargo = tc.WASM_CARGO ?? "/usr/bin/cargo";
  await run(cargo, ["build", "--offline", "--release", "--target", "wasm32-unknown-unknown"], {
    cwd: join(root, "wasm"),
    env: { CARGO_HOME: join(tools, "cargo-home"), RUSTC: tc.WASM_RUSTC ?? "/usr/bin/rustc" },
    quiet: true,
  });
  const built = join(root, "wasm/target/wasm32-unknown-unknown/release/multus_engine.wasm");
  const dest = join(root, "src/engine/engine.wasm");
  // Replace atomically: a reader (a running test, another build) never sees half a file.
  const temp = `${dest}.${Deno.pid}.tmp`;
  try {
    await Deno.stat(WASM_OPT);
  } catch {
    throw new Error(
      `Cannot build: ${WASM_OPT} is missing; run scripts/bootstrap.sh (it installs Debian's binaryen)`,
    );
  }
  await run(WASM_OPT, [...WASM_OPT_FLAGS, built, "-o", temp], { quiet: true });
  await Deno.rename(temp, dest);
  return dest;
}

async function gitInfo(): Promise<{ commit: string; dirty: boolean }> {
  try {
    const commit = (await run("git", ["rev-parse", "--short=12", "HEAD"], { quiet: true })).trim();
    const status = await run("git", ["status", "--porcelain", "--untracked-files=no"], {
      quiet: true,
    });
    return { commit, dirty: status.trim() !== "" };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

async function writeBuildInfo(kind: string): Promise<Record<string, unknown>> {
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const { commit, dirty } = await gitInfo();
  const info = { version: config.version as string, commit, dirty, kind };
  await Deno.writeTextFile(
    join(root, "src/_build_info.ts"),
    `// Written by scripts/build.ts; not committed.\n` +
      `/** What \`multus --version\` reports. */\n` +
      `export const BUILD_INFO = ${JSON.stringify(info)} as const;\n`,
  );
  return info;
}

async function copyTree(from: string, to: string, skip: (name: string) => boolean): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (skip(e.name)) continue;
    const a = join(from, e.name);
    const b = join(to, e.name);
    if (e.isDirectory) await copyTree(a, b, skip);
    else if (e.isFile) await Deno.copyFile(a, b);
  }
}

/**
 * Modules the program loads with `importLazily` (src/platform/lazy_import.ts): neither
 * `deno compile` nor `deno cache` can see those imports, so both are told here.
 */
export const LAZY_MODULES = [
  "src/daemon/per_node_client.ts",
  "src/daemon/prom_client.ts",
  "src/engine/mod.ts",
  "src/kube/exotic.ts",
  "src/multus/dra.ts",
  "src/multus/main.ts",
  "src/multus/pod_resources.ts",
  "src/kube/kubeconfig_yaml.ts",
  "src/kube/yaml.ts",
  "src/platform/grpc_unix.ts",
  "src/platform/http_node.ts",
  "src/multus/local_del.ts",
  "src/multus/add.ts",
  "src/multus/del.ts",
  "src/multus/check.ts",
  "src/multus/gc.ts",
  "src/multus/cmd_status.ts",
  "src/multus/pod_delegates.ts",
  "src/multus/thin_kube.ts",
] as const;

/**
 * V8 flags of the long-lived daemon: a 1 MiB young generation and V8's memory-over-speed
 * heap sizing. In a burst of 100 concurrent ADDs with 500 pods and 100 NADs cached, the
 * second cut the daemon's peak RSS from 118-120 to 94-96 MiB, no request failing
 * (measured side by side, see the README). No heap limit is set: running out of heap
 * would crash the daemon, which is the failure this avoids.
 *
 * No optimizing JIT (TurboFan, Maglev; Ignition and Sparkplug stay, wasm is untouched):
 * the daemon's JS is request glue, and the optimized code and its feedback cost memory.
 * In `deno task bench goals` run alternately with and without (2 runs each, 500 realistic
 * pods + 100 NADs), idle RSS 75.3/77.7 against 87.6/85.1 MiB and the burst's peak
 * 106.2/104.9 against 114.2/112.0 MiB, with the 100-ADD and 100-DEL walls and the thick
 * ADD's overhead no worse. `--lite-mode` would save a little more but implies jitless,
 * which leaves the daemon without WebAssembly.
 */
export const DAEMON_V8_FLAGS =
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size,--no-opt,--no-maglev";

/**
 * V8 flags of the thin plugin, a process that lives for one CNI call: wasm stays on V8's
 * baseline compiler (the engine's hot functions are otherwise recompiled by TurboFan on
 * background threads, CPU the call never gets back) and V8 runs no background threads at
 * all (no concurrent compilation or GC helpers for a heap of a few MiB). Measured per thin
 * ADD, process tree with the four delegates: -10 ms CPU (about 117 -> 101 ms), the wall
 * no worse (see the README's goals figures).
 */
export const THIN_V8_FLAGS = "--v8-flags=--liftoff-only,--single-threaded";

/**
 * Copies the program (no tests), the schemas it imports and deno.json into `lib`. The staged
 * deno.json maps only the npm packages the program imports: a test-only package (jsonschema,
 * the tests' cross-check of the daemon's schema evaluator) is neither packed nor required.
 */
async function stageProgram(lib: string): Promise<void> {
  await copyTree(join(root, "src"), join(lib, "src"), (n) => n.endsWith("_test.ts"));
  // The daemon validates its config against the published schemas (imported as JSON).
  await copyTree(join(root, "deployments/schema"), join(lib, "deployments/schema"), () => false);
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const used = await importedSpecifiers(join(lib, "src"));
  config.imports = Object.fromEntries(
    Object.entries(config.imports ?? {}).filter(([name]) =>
      [...used].some((u) => u === name || u.startsWith(`${name}/`))
    ),
  );
  await Deno.writeTextFile(join(lib, "deno.json"), JSON.stringify(config, null, 2) + "\n");
}

/** The bare specifiers the `.ts` files under `dir` import (statically or with `import()`). */
async function importedSpecifiers(dir: string): Promise<Set<string>> {
  const found = new Set<string>();
  const pattern = /(?:\bfrom|\bimport\s*\(|^\s*import)\s*["']([^"'./][^"']*)["']/gm;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      for (const s of await importedSpecifiers(path)) found.add(s);
    } else if (entry.name.endsWith(".ts")) {
      for (const m of (await Deno.readTextFile(path)).matchAll(pattern)) found.add(m[1]!);
    }
  }
  return found;
}

/** Every module a run can start from: main.ts, the per-mode entries, the lazy modules. */
function entryModules(lib: string): string[] {
  return [
    join(lib, "src/main.ts"),
    ...["thin", "shim", "passthru", "daemon"].map((n) => join(lib, `src/entry/${n}.ts`)),
    ...LAZY_MODULES.map((m) => join(lib, m)),
  ];
}

/** Fills `denoDir` with every module `lib` can load (npm packages included). */
async function cacheModules(lib: string, denoDir: string): Promise<void> {
  await run(Deno.execPath(), [
    "cache",
    "--quiet",
    "--no-lock",
    `--config=${join(lib, "deno.json")}`,
    ...entryModules(lib),
  ], { env: { DENO_DIR: denoDir } });
}

/**
 * Checks that `denoDir` alone serves every npm package of `lib`'s import map with no
 * network (`--cached-only`, as every run of the packed executable is).
 */
async function checkOffline(lib: string, denoDir: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(join(lib, "deno.json")));
  const names = Object.keys(config.imports ?? {});
  const probe = join(lib, "..", "offline_check.mjs");
  await Deno.writeTextFile(
    probe,
    names.map((n) => `await import(${JSON.stringify(n)});\n`).join(""),
  );
  await run(Deno.execPath(), [
    "run",
    "--quiet",
    "--no-lock",
    "--cached-only",
    "--allow-all",
    `--config=${join(lib, "deno.json")}`,
    probe,
  ], { env: { DENO_DIR: denoDir }, quiet: true });
  await Deno.remove(probe);
}

/** Files of the npm cache a run never reads: type declarations, source maps, docs. */
function unusedAtRunTime(name: string): boolean {
  return /\.d\.[cm]?ts$|\.map$|\.md$|\.markdown$/i.test(name);
}

/** Compiles the stub (scripts/pack/stub.c) statically with libzstd. */
async function compileStub(out: string): Promise<void> {
  await run("cc", [
    "-O2",
    "-s",
    "-static",
    "-Wall",
    "-Wno-format-truncation",
    "-o",
    out,
    `-DDAEMON_V8_FLAGS=${JSON.stringify(DAEMON_V8_FLAGS)}`,
    `-DTHIN_V8_FLAGS=${JSON.stringify(THIN_V8_FLAGS)}`,
    join(root, "scripts/pack/stub.c"),
    "-l:libzstd.a",
  ], { quiet: true, env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" } });
}

/**
 * The packed build: stages the pinned Deno, the program and the npm packages it loads,
 * checks that the staged module cache serves every entry offline, and packs them behind
 * the stub into `bin` (scripts/pack/pack.ts).
 */
async function writePacked(bin: string): Promise<Packed & { lib: string[] }> {
  const stage = join(dist, ".stage");
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  const lib = join(stage, "lib");
  await stageProgram(lib);
  // Fill the clone's module cache (the npm registry is reachable at build time; a second
  // build finds everything there), then copy only its npm packages into the stage.
  const projectDenoDir = Deno.env.get("DENO_DIR") ?? join(tools, "deno_dir");
  await cacheModules(lib, projectDenoDir);
  const stagedDenoDir = join(stage, "deno_dir");
  await copyTree(join(projectDenoDir, "npm"), join(stagedDenoDir, "npm"), unusedAtRunTime);
  // The staged cache alone must serve every module, with no network.
  await checkOffline(lib, stagedDenoDir);
  for (const e of await Array.fromAsync(Deno.readDir(stagedDenoDir))) {
    if (e.name !== "npm") await Deno.remove(join(stagedDenoDir, e.name), { recursive: true });
  }
  await Deno.copyFile(await Deno.realPath(Deno.execPath()), join(stage, "deno"));
  await Deno.chmod(join(stage, "deno"), 0o755);
  const stub = join(dist, ".stub");
  await compileStub(stub);
  const packed = await packExecutable({ stage, stub, out: bin });
  const libFiles: string[] = [];
  await listFiles(lib, "", libFiles);
  await Deno.remove(stage, { recursive: true });
  await Deno.remove(stub);
  return { ...packed, lib: libFiles.sort() };
}

async function listFiles(dir: string, prefix: string, out: string[]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) await listFiles(join(dir, e.name), `${prefix}${e.name}/`, out);
    else out.push(`${prefix}${e.name}`);
  }
}

/**
 * Writes a launcher build into `dir` (`dir/bin/multus`, `dir/lib/`) with this clone's
 * Deno and module cache; returns the executable. The benchmark measures the packed
 * executable against it. Only `multus` is written; callers add the other names.
 */
export async function writeLauncherBuild(dir: string): Promise<string> {
  const lib = join(dir, "lib");
  await stageProgram(lib);
  const denoDir = Deno.env.get("DENO_DIR") ?? join(tools, "deno_dir");
  const bin = join(dir, "bin/multus");
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  await writeLauncher({
    bin,
    lib,
    deno: Deno.execPath(),
    denoDir,
    daemonV8Flags: DAEMON_V8_FLAGS,
    thinV8Flags: THIN_V8_FLAGS,
    source: join(root, "scripts/launcher/launcher.c"),
  });
  // Fill the module cache (npm packages included) so no exec ever touches the network.
  await cacheModules(lib, denoDir);
  return bin;
}

/** Which kind of `dist/bin/multus` to make. */
export type BuildKind = "compiled" | "packed" | "launcher";

/** What {@linkcode build} made (also written to `dist/BUILD.json`). */
export interface BuildResult {
  kind: BuildKind;
  bin: string;
  /** Bytes of `dist/bin/multus`. */
  size: number;
  /** Packed build: the payload's SHA-256, its file count and the program's files. */
  hash?: string;
  files?: number;
  lib?: string[];
}

/**
 * Runs the whole build; returns what was produced. `kind` defaults to `compiled` where
 * `DENORT_BIN` names deno compile's runtime, else `packed`; `launcher` only when asked.
 * `quiet` leaves out the closing line that says what was built.
 */
export async function build(
  opts: { kind?: BuildKind; quiet?: boolean } = {},
): Promise<BuildResult> {
  await buildEngine();
  const wanted: BuildKind = opts.kind ?? (Deno.env.get("DENORT_BIN") ? "compiled" : "packed");
  await writeBuildInfo(wanted);
  await Deno.remove(dist, { recursive: true }).catch(() => {});
  const binDir = join(dist, "bin");
  await Deno.mkdir(binDir, { recursive: true });
  const bin = join(binDir, "multus");
  let result: BuildResult;
  if (wanted === "compiled") {
    await run(Deno.execPath(), [
      "compile",
      "--quiet",
      "--no-check",
      "--output",
      bin,
      ...PERMISSION_FLAGS,
      // Applies to every mode of the single file; the daemon is the one it matters for.
      DAEMON_V8_FLAGS,
      ...LAZY_MODULES.flatMap((m) => ["--include", join(root, m)]),
      join(root, "src/main.ts"),
    ]);
    result = { kind: "compiled", bin, size: (await Deno.stat(bin)).size };
  } else if (wanted === "packed") {
    const packed = await writePacked(bin);
    result = { kind: "packed", bin, ...packed };
  } else {
    await writeLauncherBuild(dist);
    result = { kind: "launcher", bin, size: (await Deno.stat(bin)).size };
  }
  for (const name of ["multus-shim", "multus-daemon", "passthru"]) {
    await Deno.link(bin, join(binDir, name));
  }
  await Deno.writeTextFile(join(dist, "BUILD.json"), JSON.stringify(result, null, 2) + "\n");
  if (!opts.quiet) {
    const mib = (result.size / 1048576).toFixed(1);
    console.error(
      {
        compiled: `build: dist/bin/multus is a deno compile'd single file (${mib} MiB)`,
        packed: `build: dist/bin/multus is one self-contained file (${mib} MiB: stub, Deno, ` +
          `program, npm packages; ${result.files} files unpacked on first use)`,
        launcher: `build: dist/bin/multus is a launcher for this clone only`,
      }[result.kind],
    );
  }
  return result;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { launcher: { type: "boolean" }, quiet: { type: "boolean" } },
  });
  await build({
    ...(values.launcher ? { kind: "launcher" as const } : {}),
    quiet: values.quiet === true,
  });
}
