/**
 * POSIX path helpers with `node:path`'s results for the cases this program meets
 * (absolute and relative paths, `.`/`..` segments, repeated and trailing slashes). They
 * exist so the daemon and the plugins do not load Deno's Node.js layer (`node:path`
 * alone costs a long-lived process about 4 MiB of RSS) for string work.
 *
 * @module
 */

/** `path` with `.`/`..` segments and repeated slashes resolved (`node:path`'s `normalize`). */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out.at(-1) !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  const trailing = path.endsWith("/") ? "/" : "";
  if (absolute) return joined === "" ? "/" : `/${joined}${trailing}`;
  return `${joined === "" ? "." : joined}${trailing}`;
}

/** The segments joined with `/` and normalized; `.` when all are empty. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** `path` made absolute against the working directory, normalized, no trailing slash. */
export function resolve(path: string): string {
  const abs = normalize(path.startsWith("/") ? path : `${Deno.cwd()}/${path}`);
  return abs.length > 1 && abs.endsWith("/") ? abs.slice(0, -1) : abs;
}

function trimTrailing(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}

/** The last segment of `path` (trailing slashes ignored). */
export function basename(path: string): string {
  const p = trimTrailing(path);
  return p === "/" ? "" : p.slice(p.lastIndexOf("/") + 1);
}

/** `path` without its last segment: `/` for a top-level path, `.` for a bare name. */
export function dirname(path: string): string {
  const p = trimTrailing(path);
  const slash = p.lastIndexOf("/");
  if (slash < 0) return ".";
  if (slash === 0) return "/";
  return p.slice(0, slash);
}

/** The extension of the last segment, dot included (`.conf`); empty for none or a dotfile. */
export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 || base === ".." ? "" : base.slice(dot);
}
