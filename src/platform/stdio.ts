/**
 * Synchronous standard streams. A CNI plugin reads all of stdin and writes one JSON
 * document; synchronous reads cost nothing measurable at start-up, where Deno's stream
 * readers add 3-6 ms per exec (reference/cni-spec.md section 4).
 *
 * @module
 */

/** The process's standard streams, as plugins and commands use them. */
export interface Stdio {
  /** Reads stdin to its end (nothing when stdin is a terminal). */
  readStdin(): Uint8Array;
  /** Writes `text` to stdout. */
  writeStdout(text: string): void;
  /** Writes `text` to stderr. */
  writeStderr(text: string): void;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

let stdinBytes: Uint8Array | undefined;

function readAllStdin(): Uint8Array {
  if (Deno.stdin.isTerminal()) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = Deno.stdin.readSync(buf);
    if (n === null || n === 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** The real standard streams of this process. */
export const processStdio: Stdio = {
  /** The whole of stdin, read on the first call; later calls return the same bytes. */
  readStdin(): Uint8Array {
    return stdinBytes ??= readAllStdin();
  },
  writeStdout(text: string): void {
    writeAll(Deno.stdout, text);
  },
  writeStderr(text: string): void {
    writeAll(Deno.stderr, text);
  },
};
