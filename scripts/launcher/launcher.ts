/**
 * The launcher build (`deno task build --launcher`): `bin/multus` is a small C program
 * (`launcher.c`; a `/bin/sh` script where no C compiler exists) that execs the pinned Deno
 * of this clone on a copy of the program, by absolute paths. It runs only where the clone
 * is, so it is no artifact to install: the benchmark keeps it to measure the packed
 * executable against (its per-exec cost was the budget's reference).
 *
 * @module
 */
import { join } from "node:path";

/** What {@linkcode writeLauncher} needs. */
export interface LauncherPaths {
  /** The executable to write. */
  bin: string;
  /** The program's copy (`<lib>/src/main.ts`, `<lib>/deno.json`). */
  lib: string;
  /** The Deno to exec. */
  deno: string;
  /** Its module cache. */
  denoDir: string;
  /** The daemon's `--v8-flags=...`. */
  daemonV8Flags: string;
  /** The thin plugin's `--v8-flags=...`. */
  thinV8Flags: string;
  /** Where `launcher.c` is. */
  source: string;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

async function compile(p: LauncherPaths): Promise<boolean> {
  for (const cc of ["cc", "gcc", "clang"]) {
    const out = await new Deno.Command(cc, {
      args: [
        "-O2",
        "-o",
        p.bin,
        `-DDENO_BIN=${JSON.stringify(p.deno)}`,
        `-DLIB_DIR=${JSON.stringify(p.lib)}`,
        `-DDENO_DIR_PATH=${JSON.stringify(p.denoDir)}`,
        `-DDAEMON_V8_FLAGS=${JSON.stringify(p.daemonV8Flags)}`,
        `-DTHIN_V8_FLAGS=${JSON.stringify(p.thinV8Flags)}`,
        p.source,
      ],
      stdout: "null",
      stderr: "null",
    }).output().catch(() => null);
    if (out?.success) return true;
  }
  return false;
}

/** Writes the launcher `p.bin` (the C one where a compiler exists, else a shell script). */
export async function writeLauncher(p: LauncherPaths): Promise<void> {
  if (await compile(p)) return;
  const main = join(p.lib, "src/main.ts");
  const entry = (name: string) => shellQuote(join(p.lib, `src/entry/${name}.ts`));
  const script = [
    "#!/bin/sh",
    "# multus-deno launcher written by `deno task build --launcher`: runs this clone's Deno on",
    "# the program's copy. A CNI plugin exec (no arguments) starts its mode's own entry.",
    `src=${shellQuote(main)}`,
    `v8=`,
    `case "\${0##*/}:\${1:-}" in multus-daemon:*|*:daemon) v8=${p.daemonV8Flags}; : "\${MALLOC_ARENA_MAX:=2}" "\${MALLOC_MMAP_THRESHOLD_:=65536}" "\${MALLOC_TRIM_THRESHOLD_:=65536}"; export MALLOC_ARENA_MAX MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_ ;; esac`,
    `if [ $# -eq 0 ]; then`,
    `  case "\${0##*/}" in`,
    `    passthru) src=${entry("passthru")} ;;`,
    `    multus-shim) src=${entry("shim")} ;;`,
    `    multus-daemon) ;;`,
    `    *) src=${entry("thin")}; v8=${p.thinV8Flags} ;;`,
    `  esac`,
    `fi`,
    `MULTUS_ARGV0="$0" MULTUS_LAUNCHER=1 DENO_DIR=${
      shellQuote(p.denoDir)
    } DENO_NO_UPDATE_CHECK=1 \\`,
    `  exec ${shellQuote(p.deno)} run --quiet --no-prompt --cached-only --no-lock \\`,
    `  --config=${shellQuote(join(p.lib, "deno.json"))} --allow-all \\`,
    `  $v8 "$src" "$@"`,
    "",
  ].join("\n");
  await Deno.writeTextFile(p.bin, script, { mode: 0o755 });
}
