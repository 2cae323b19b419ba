/**
 * `multus install` (Multus's `install_multus`): puts the plugin executable into the
 * node's CNI bin dir as `multus-shim` (thick) or `multus` (thin), plus `passthru`, and
 * optionally a static CNI config into the CNI config dir (thin_entrypoint's
 * `--multus-conf-file`).
 *
 * Every file is replaced atomically: a new temp file in the destination directory,
 * flushed, given the source's mode, then renamed over the target. The old file is never
 * written in place, so a runtime executing it at that moment keeps running the old
 * inode and the installer never fails with "text file busy" (Multus pain point #7).
 *
 * @module
 */
import type { Fs } from "../platform/fs.ts";
import type { ExecutableFiles } from "../platform/self.ts";

/** Which plugin the node runs. */
export type InstallType = "thick" | "thin";

/** The file name the CNI config's `type` names, per install type. */
export const PLUGIN_FILE: Readonly<Record<InstallType, string>> = {
  thick: "multus-shim",
  thin: "multus",
};

/** What to install. */
export interface InstallOptions {
  type: InstallType;
  /** The executable to copy (every mode is in the one file; the name selects it). */
  source: string;
  /** The CNI bin dir as mounted in this container (must exist). */
  destDir: string;
  /** A CNI config file to install into `confDir` under its own base name. */
  confFile?: string;
  /** The CNI config dir as mounted in this container (must exist when `confFile` is set). */
  confDir: string;
}

/** The effects of an install. */
export interface InstallDeps {
  files: ExecutableFiles;
  fs: Pick<Fs, "readText">;
  /** Prints one progress line (stdout). */
  out(line: string): void;
  /** Milliseconds since the epoch (to tell abandoned temp files from live ones). */
  now(): number;
  /** A fresh random tag for temp file names. */
  tag(): string;
}

/** An install step failed; `message` is what the user sees (after `failed to copy file`). */
export class InstallError extends Error {
  override name = "InstallError";
}

/** Temp files of an interrupted install older than this are removed on the next run. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/** An error's message (or the thrown value as text), for install messages. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `.<name>.<tag>.tmp`: hidden, and never a name a CNI config could ask for. */
function tempName(name: string, tag: string): string {
  return `.${name}.${tag}.tmp`;
}

async function removeStaleTemps(deps: InstallDeps, dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  for (const entry of (await deps.files.list(dir)) ?? []) {
    if (!entry.startsWith(prefix) || !entry.endsWith(".tmp")) continue;
    const info = await deps.files.stat(`${dir}/${entry}`).catch(() => null);
    if (typeof info?.mtimeMs === "number" && deps.now() - info.mtimeMs > STALE_TEMP_MS) {
      await deps.files.remove(`${dir}/${entry}`).catch(() => false);
    }
  }
}

async function requireDir(deps: InstallDeps, dir: string, what: string): Promise<void> {
  const info = await deps.files.stat(dir);
  if (!info) throw new InstallError(`${what} "${dir}" does not exist`);
  if (!info.isDirectory) throw new InstallError(`${what} "${dir}" is not a directory`);
}

/**
 * Replaces `<destDir>/<name>` with a copy of `src` (same mode), atomically. With
 * `linkTo` (a file already in `destDir` with the same content), a hard link to it is
 * tried first: one copy of the executable on disk instead of two.
 */
export async function replaceFileAtomic(
  deps: InstallDeps,
  opts: { src: string; destDir: string; name: string; linkTo?: string },
): Promise<"copied" | "linked"> {
  const { src, destDir, name } = opts;
  const source = await deps.files.stat(src);
  if (!source) throw new InstallError(`cannot open file "${src}": no such file`);
  if (!source.isFile) throw new InstallError(`cannot copy "${src}": not a regular file`);
  await requireDir(deps, destDir, "destination directory");
  await removeStaleTemps(deps, destDir, name);
  const dest = `${destDir}/${name}`;
  const temp = `${destDir}/${tempName(name, deps.tag())}`;
  let how: "copied" | "linked" = "copied";
  try {
    if (opts.linkTo !== undefined) {
      try {
        await deps.files.link(opts.linkTo, temp);
        how = "linked";
      } catch {
        // No hard links here (or across mounts): copy instead.
      }
    }
    if (how === "copied") await deps.files.copyNew(src, temp, { mode: source.mode });
  } catch (err) {
    throw new InstallError(`cannot write temp file "${temp}": ${describeError(err)}`);
  }
  try {
    await deps.files.rename(temp, dest);
  } catch (err) {
    await deps.files.remove(temp).catch(() => false);
    throw new InstallError(
      `cannot replace "${dest}" with temp file "${temp}": ${describeError(err)}`,
    );
  }
  return how;
}

/** Checks that a config file holds a JSON object a CNI runtime would load. */
async function checkConfFile(deps: InstallDeps, path: string): Promise<void> {
  const text = await deps.fs.readText(path);
  if (text === null) throw new InstallError(`cannot open file "${path}": no such file`);
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch (err) {
    throw new InstallError(`"${path}" is not valid JSON: ${describeError(err)}`);
  }
  const obj = conf as Record<string, unknown> | null;
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new InstallError(`"${path}" is not a CNI config: not a JSON object`);
  }
  if (typeof obj.type !== "string" && !Array.isArray(obj.plugins)) {
    throw new InstallError(`"${path}" is not a CNI config: it has neither "type" nor "plugins"`);
  }
}

/**
 * Installs the plugin, `passthru` and, when asked, the config; prints Multus's
 * progress lines. Throws {@linkcode InstallError} naming the file that failed.
 */
export async function install(opts: InstallOptions, deps: InstallDeps): Promise<void> {
  const plugin = PLUGIN_FILE[opts.type];
  try {
    await replaceFileAtomic(deps, { src: opts.source, destDir: opts.destDir, name: plugin });
  } catch (err) {
    throw new InstallError(`failed to copy file ${plugin}: ${describeError(err)}`);
  }
  deps.out(`multus ${plugin} copy succeeded!`);
  try {
    await replaceFileAtomic(deps, {
      src: opts.source,
      destDir: opts.destDir,
      name: "passthru",
      linkTo: `${opts.destDir}/${plugin}`,
    });
  } catch (err) {
    throw new InstallError(`failed to copy file passthru: ${describeError(err)}`);
  }
  deps.out(`passthru cni ${opts.source} copy succeeded!`);
  if (opts.confFile !== undefined) await installConfFile(opts.confFile, opts.confDir, deps);
}

/**
 * Copies a CNI config file into `confDir` under its own base name, atomically, after
 * checking that it is a JSON object a runtime would load.
 *
 * @throws {InstallError} `failed to copy file <name>: ...`.
 */
export async function installConfFile(
  confFile: string,
  confDir: string,
  deps: InstallDeps,
): Promise<void> {
  const confName = confFile.slice(confFile.lastIndexOf("/") + 1);
  try {
    await checkConfFile(deps, confFile);
    await replaceFileAtomic(deps, { src: confFile, destDir: confDir, name: confName });
  } catch (err) {
    throw new InstallError(`failed to copy file ${confName}: ${describeError(err)}`);
  }
  deps.out(`multus config ${confDir}/${confName} copy succeeded!`);
}
