// deno-lint-ignore-file no-console
/**
 * `deno task build`: builds `wasm/` into `src/engine/engine.wasm`, writes the build
 * info, and produces `dist/bin/multus` with `multus-shim`, `multus-daemon` and
 * `passthru` as hard links to it (the mode comes from the name it is run by).
 *
 * `dist/bin/multus` is the `deno compile`d single file (engine embedded) where
 * `deno compile` can get its runtime: `DENORT_BIN` is set, or dl.deno.land answers.
 * Otherwise it is a launcher: a shell script that runs a copy of the same entry point
 * (`dist/lib/src/main.ts`) with the same permission flags and a warmed module cache.
 * The build prints which one it produced; `dist/BUILD.json` records it.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const tools = join(root, ".tools");

/** Permission flags of every mode: compiled in, or passed by the launcher. */
export const PERMISSION_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-net",
  "--allow-sys",
];

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
    const err = new TextDecoder().decode(out.stderr);
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
  await Deno.copyFile(built, temp);
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

async function canCompile(): Promise<boolean> {
  if (Deno.env.get("DENORT_BIN")) return true;
  try {
    const res = await fetch("https://dl.deno.land/", {
      method: "HEAD",
      signal: AbortSignal.timeout(3000),
    });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
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
  "src/engine/mod.ts",
  "src/kube/exotic.ts",
  "src/multus/dra.ts",
  "src/multus/main.ts",
  "src/multus/pod_resources.ts",
  "src/kube/yaml.ts",
  "src/platform/grpc_unix.ts",
  "src/platform/http_node.ts",
] as const;

/**
 * V8 flags of the long-lived daemon: a 1 MiB young generation and V8's memory-over-speed
 * heap sizing. In a burst of 100 concurrent ADDs with 500 pods and 100 NADs cached, the
 * second cut the daemon's peak RSS from 118-120 to 94-96 MiB, no request failing
 * (measured side by side, see the README). No heap limit is set: running out of heap
 * would crash the daemon, which is the failure this avoids.
 */
export const DAEMON_V8_FLAGS = "--v8-flags=--max-semi-space-size=1,--optimize-for-size";

/** A C string literal for `-D` defines (the paths here contain no quotes). */
function cString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Compiles scripts/launcher/launcher.c into `bin` with the paths built in, where a C
 * compiler exists; returns false (the shell launcher is used) where none does.
 */
async function compileLauncher(
  bin: string,
  paths: { deno: string; lib: string; denoDir: string },
): Promise<boolean> {
  for (const cc of ["cc", "gcc", "clang"]) {
    try {
      await run(cc, [
        "-O2",
        "-o",
        bin,
        `-DDENO_BIN=${cString(paths.deno)}`,
        `-DLIB_DIR=${cString(paths.lib)}`,
        `-DDENO_DIR_PATH=${cString(paths.denoDir)}`,
        `-DDAEMON_V8_FLAGS=${cString(DAEMON_V8_FLAGS)}`,
        join(root, "scripts/launcher/launcher.c"),
      ], { quiet: true, env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" } });
      return true;
    } catch {
      // try the next compiler
    }
  }
  return false;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

async function writeLauncher(bin: string): Promise<void> {
  const lib = join(dist, "lib");
  await copyTree(join(root, "src"), join(lib, "src"), (n) => n.endsWith("_test.ts"));
  // The daemon validates its config against the published schemas (imported as JSON).
  await copyTree(join(root, "deployments/schema"), join(lib, "deployments/schema"), () => false);
  await Deno.copyFile(join(root, "deno.json"), join(lib, "deno.json"));
  const deno = Deno.execPath();
  const denoDir = Deno.env.get("DENO_DIR") ?? join(tools, "deno_dir");
  const main = join(lib, "src/main.ts");
  const entry = (name: string) => shellQuote(join(lib, `src/entry/${name}.ts`));
  const launcher = [
    "#!/bin/sh",
    "# multus-deno launcher written by `deno task build`: deno compile could not get its",
    "# runtime (denort) here, so this runs the same program with the same permissions.",
    "# A CNI plugin exec (no arguments) starts its mode's own entry, which loads only that",
    "# mode's modules; everything else goes through main.ts.",
    `src=${shellQuote(main)}`,
    `v8=`,
    `case "\${0##*/}:\${1:-}" in multus-daemon:*|*:daemon) v8=${DAEMON_V8_FLAGS}; : "\${MALLOC_ARENA_MAX:=2}"; export MALLOC_ARENA_MAX ;; esac`,
    `if [ $# -eq 0 ]; then`,
    `  case "\${0##*/}" in`,
    `    passthru) src=${entry("passthru")} ;;`,
    `    multus-shim) src=${entry("shim")} ;;`,
    `    multus-daemon) ;;`,
    `    *) src=${entry("thin")} ;;`,
    `  esac`,
    `fi`,
    `MULTUS_ARGV0="$0" MULTUS_LAUNCHER=1 DENO_DIR=${shellQuote(denoDir)} DENO_NO_UPDATE_CHECK=1 \\`,
    `  exec ${shellQuote(deno)} run --quiet --no-prompt --cached-only --no-lock \\`,
    `  --config=${shellQuote(join(lib, "deno.json"))} ${PERMISSION_FLAGS.join(" ")} \\`,
    `  $v8 "$src" "$@"`,
    "",
  ].join("\n");
  if (!(await compileLauncher(bin, { deno, lib, denoDir }))) {
    await Deno.writeTextFile(bin, launcher, { mode: 0o755 });
  }
  // Fill the module cache (npm packages included) so no exec ever touches the network.
  const entries = ["thin", "shim", "passthru"].map((n) => join(lib, `src/entry/${n}.ts`));
  await run(deno, [
    "cache",
    "--quiet",
    "--no-lock",
    `--config=${join(lib, "deno.json")}`,
    main,
    ...entries,
    ...LAZY_MODULES.map((m) => join(lib, m)),
  ], {
    env: { DENO_DIR: denoDir },
  });
}

/**
 * Runs the whole build; returns what was produced. `quiet` leaves out the final line that
 * says what `dist/bin/multus` is (the demo builds on every run and does not print it).
 */
export async function build(
  opts: { quiet?: boolean } = {},
): Promise<{ kind: string; bin: string }> {
  await buildEngine();
  const compile = await canCompile();
  await writeBuildInfo(compile ? "compiled" : "launcher");
  await Deno.remove(dist, { recursive: true }).catch(() => {});
  const binDir = join(dist, "bin");
  await Deno.mkdir(binDir, { recursive: true });
  const bin = join(binDir, "multus");
  let kind = "launcher";
  if (compile) {
    try {
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
      kind = "compiled";
    } catch (err) {
      console.error(`build: deno compile failed, writing a launcher instead: ${err}`);
      await writeBuildInfo("launcher");
    }
  }
  if (kind === "launcher") await writeLauncher(bin);
  for (const name of ["multus-shim", "multus-daemon", "passthru"]) {
    await Deno.link(bin, join(binDir, name));
  }
  await Deno.writeTextFile(join(dist, "BUILD.json"), JSON.stringify({ kind, bin }, null, 2) + "\n");
  if (opts.quiet) return { kind, bin };
  console.error(
    kind === "compiled"
      ? `build: dist/bin/multus is a deno compile'd single file (engine embedded)`
      : `build: dist/bin/multus is a launcher (deno compile has no denort here: set DENORT_BIN to compile)`,
  );
  return { kind, bin };
}

if (import.meta.main) {
  await build();
}
