/**
 * Reading a request body with a bound: the daemon's requests (a shim's env and base64
 * CNI config) are a few KB, so anything larger than `maxBytes` is refused with a CNI
 * error before it is held in memory (Multus reads any size). A declared `Content-Length` over the bound is
 * refused without reading a byte; otherwise the body is read a chunk at a time and the
 * read stops at the first chunk that crosses the bound.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";

/** The default bound of a request body: 1 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;

function tooLarge(maxBytes: number, declared?: string): CniError {
  const body = declared === undefined ? "its body" : `its body of ${declared} bytes`;
  return new CniError(
    CniCode.DecodingFailure,
    `could not decode the CNI request: ${body} is larger than ${maxBytes} bytes (maxRequestBytes)`,
  );
}

/**
 * The body of `req` as text, read incrementally and never past `maxBytes` (plus at most
 * one chunk, which is dropped at once).
 *
 * @example
 * ```ts
 * const req = new Request("http://dummy/cni", { method: "POST", body: "{}" });
 * console.assert((await readBoundedText(req, 1024)) === "{}");
 * ```
 *
 * @throws {CniError} code 6 (`could not decode the CNI request: its body is larger than N
 * bytes (maxRequestBytes)`) when the body is larger.
 */
export async function readBoundedText(req: Request, maxBytes: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw tooLarge(maxBytes, declared);
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        chunks.length = 0;
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
