/**
 * A real CNI runtime for integration tests: Debian's plugins in `/usr/lib/cni`, the
 * project's test plugins in `tests/support/bin`, a temp cache dir, real exec and fs.
 *
 * @module
 */
import type { CniRuntime } from "../../src/cni/conflist.ts";
import { parseNetworkConfig } from "../../src/engine/mod.ts";
import type { NetworkConfigList } from "../../src/cni/types.ts";
import { denoExec } from "../../src/platform/exec.ts";
import { denoFs } from "../../src/platform/fs.ts";

/** Debian's CNI plugins. */
export const DEBIAN_CNI_BIN = "/usr/lib/cni";
/** The project's own test plugins. */
export const TEST_CNI_BIN = new URL("./bin", import.meta.url).pathname;

/** A temp directory removed by `await using`. */
export async function tempDir(prefix = "cnitest-"): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/** A runtime over real plugins with its cache in `cacheDir`. */
export function testRuntime(cacheDir: string, opts: { timeoutMs?: number } = {}): CniRuntime {
  return {
    binDirs: [DEBIAN_CNI_BIN, TEST_CNI_BIN],
    cacheDir,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    deps: { exec: denoExec, fs: denoFs },
    invoke: { timeoutMs: opts.timeoutMs ?? 30_000, busyRetries: 0 },
  };
}

/** Parses a config object (conf or conflist) as libcni would load it from a file. */
export function list(config: Record<string, unknown>): NetworkConfigList {
  return parseNetworkConfig(JSON.stringify(config));
}

/** The JSON lines a `cnitest-record` plugin wrote. */
export async function recorded(
  file: string,
): Promise<
  Array<{ command: string; env: Record<string, string>; stdin: string; parent: string[] }>
> {
  try {
    const text = await Deno.readTextFile(file);
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/** Files in a directory (recursively, relative names), or [] when it is missing. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, prefix: string): Promise<void> {
    try {
      for await (const e of Deno.readDir(d)) {
        if (e.isDirectory) await walk(`${d}/${e.name}`, `${prefix}${e.name}/`);
        else out.push(`${prefix}${e.name}`);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  await walk(dir, "");
  return out.sort();
}
