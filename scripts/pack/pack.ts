/**
 * The packed executable (`dist/bin/multus` where `deno compile` has no `denort`): the
 * static stub of `stub.c`, then a zstd-compressed archive of a staged tree (the pinned Deno
 * as `deno`, the program under `lib/`, the npm packages it loads under `deno_dir/npm/`),
 * then a 96-byte trailer: magic, the archive's offset and size, and its SHA-256 (hex).
 *
 * The archive is a stream of entries, each a 24-byte little-endian header (kind `d`/`f`/`e`,
 * mode, path length, reserved, data size), the path, then the data; it starts with
 * {@linkcode ARCHIVE_MAGIC} and ends with an `e` entry. Entries are sorted and carry no
 * times or owners, so the same tree always packs to the same bytes and the same hash: a
 * rebuild of an unchanged program reuses the node's unpacked copy.
 *
 * @module
 */
import { join, relative } from "node:path";

/** The archive's first 16 bytes (the stub checks them). */
export const ARCHIVE_MAGIC = "MULTUS-DENO-AR1\n";
/** The trailer's first 16 bytes. */
export const TRAILER_MAGIC = "MULTUS-DENO-PK1\n";
/** Bytes of the trailer at the end of the file. */
export const TRAILER_SIZE = 96;

/** A file or directory of the staged tree, relative to its root. */
interface Entry {
  path: string;
  kind: "d" | "f";
  mode: number;
  size: number;
}

async function walk(root: string, dir: string, out: Entry[]): Promise<void> {
  const names: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e);
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of names) {
    const full = join(dir, e.name);
    const path = relative(root, full);
    if (e.isSymlink) throw new Error(`Cannot pack ${full}: a symlink (the archive has none)`);
    if (e.isDirectory) {
      out.push({ path, kind: "d", mode: 0o700, size: 0 });
      await walk(root, full, out);
    } else if (e.isFile) {
      const st = await Deno.stat(full);
      out.push({ path, kind: "f", mode: (st.mode ?? 0o644) & 0o777, size: st.size });
    }
  }
}

function header(kind: string, mode: number, pathLen: number, size: number): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, kind.charCodeAt(0), true);
  v.setUint32(4, mode, true);
  v.setUint32(8, pathLen, true);
  v.setUint32(12, 0, true);
  v.setBigUint64(16, BigInt(size), true);
  return b;
}

/** Writes the archive of `root` to `writer` (uncompressed). Returns the number of files. */
async function writeArchive(
  root: string,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<number> {
  const entries: Entry[] = [];
  await walk(root, root, entries);
  const enc = new TextEncoder();
  await writer.write(enc.encode(ARCHIVE_MAGIC));
  let files = 0;
  for (const e of entries) {
    const path = enc.encode(e.path);
    await writer.write(header(e.kind, e.mode, path.length, e.size));
    await writer.write(path);
    if (e.kind === "f") {
      files++;
      const data = await Deno.readFile(join(root, e.path));
      if (data.length !== e.size) throw new Error(`Cannot pack ${e.path}: it changed`);
      await writer.write(data);
    }
  }
  await writer.write(header("e", 0, 0, 0));
  return files;
}

/** What {@linkcode packExecutable} made. */
export interface Packed {
  /** Bytes of the whole file. */
  size: number;
  /** Bytes of the stub. */
  stubSize: number;
  /** Bytes of the compressed archive. */
  payloadSize: number;
  /** SHA-256 of the compressed archive (hex): the unpacked copy's directory name. */
  hash: string;
  /** Files in the archive. */
  files: number;
}

/**
 * Packs the staged tree `stage` behind the stub file `stub` into `out` (mode 0755),
 * compressing with the `zstd` command at `level`.
 */
export async function packExecutable(
  opts: { stage: string; stub: string; out: string; level?: number },
): Promise<Packed> {
  const payloadPath = `${opts.out}.payload.tmp`;
  const payloadFile = await Deno.open(payloadPath, { write: true, create: true, truncate: true });
  const zstd = new Deno.Command("zstd", {
    args: ["-q", "-T2", `-${opts.level ?? 12}`, "-c"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const copied = zstd.stdout.pipeTo(payloadFile.writable);
  const writer = zstd.stdin.getWriter();
  const files = await writeArchive(opts.stage, writer);
  await writer.close();
  const [status] = await Promise.all([zstd.status, copied]);
  const errText = new TextDecoder().decode(await new Response(zstd.stderr).arrayBuffer());
  if (!status.success) throw new Error(`Cannot pack: zstd exited ${status.code}: ${errText}`);
  const payload = await Deno.readFile(payloadPath);
  await Deno.remove(payloadPath);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", payload));
  const hash = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  const stub = await Deno.readFile(opts.stub);
  const trailer = new Uint8Array(TRAILER_SIZE);
  const v = new DataView(trailer.buffer);
  trailer.set(new TextEncoder().encode(TRAILER_MAGIC), 0);
  v.setBigUint64(16, BigInt(stub.length), true);
  v.setBigUint64(24, BigInt(payload.length), true);
  trailer.set(new TextEncoder().encode(hash), 32);
  const temp = `${opts.out}.tmp`;
  const file = await Deno.open(temp, { write: true, create: true, truncate: true, mode: 0o755 });
  try {
    for (const part of [stub, payload, trailer]) {
      let off = 0;
      while (off < part.length) off += await file.write(part.subarray(off));
    }
  } finally {
    file.close();
  }
  await Deno.chmod(temp, 0o755);
  await Deno.rename(temp, opts.out);
  return {
    size: stub.length + payload.length + trailer.length,
    stubSize: stub.length,
    payloadSize: payload.length,
    hash,
    files,
  };
}
