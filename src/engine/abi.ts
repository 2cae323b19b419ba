/**
 * The host side of the engine boundary: the only module that sees pointers or
 * `WebAssembly`. It writes an operation's JSON input into the module's memory, calls the
 * operation's export and decodes the envelope `{"ok": ...}` / `{"error": {code, msg,
 * details}}` it returns (see `wasm/src/abi.rs`).
 *
 * @module
 */
import * as wasm from "./engine.wasm";
import { CniCode, CniError } from "../cni/error.ts";

/** The ABI version this host speaks; the module must export `multus_engine_abi_<n>`. */
export const ENGINE_ABI_VERSION = 1;

interface Exports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  dealloc(ptr: number, len: number): void;
  [op: string]: unknown;
}

const exportsObject = wasm as unknown as Exports;
if (typeof exportsObject[`multus_engine_abi_${ENGINE_ABI_VERSION}`] !== "function") {
  throw new Error(
    `Cannot load the engine: engine.wasm does not speak ABI ${ENGINE_ABI_VERSION}; rebuild with "deno task build"`,
  );
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Runs engine operation `op` on `input` and returns its `ok` value.
 *
 * @throws {CniError} the operation's error with its CNI code, or 999 when the module traps.
 */
export function callEngine(op: string, input: unknown): unknown {
  const fn = exportsObject[op];
  if (typeof fn !== "function") {
    throw new CniError(CniCode.Internal, `Cannot call engine operation "${op}": not exported`);
  }
  const bytes = encoder.encode(JSON.stringify(input));
  let envelope: { ok?: unknown; error?: { code: number; msg: string; details?: string } };
  try {
    const inPtr = exportsObject.alloc(bytes.length);
    new Uint8Array(exportsObject.memory.buffer, inPtr, bytes.length).set(bytes);
    const outPtr = (fn as (p: number, l: number) => number)(inPtr, bytes.length);
    const view = new DataView(exportsObject.memory.buffer);
    const len = view.getUint32(outPtr, true);
    const text = decoder.decode(new Uint8Array(exportsObject.memory.buffer, outPtr + 4, len));
    exportsObject.dealloc(outPtr, len + 4);
    envelope = JSON.parse(text);
  } catch (err) {
    throw new CniError(CniCode.Internal, `Engine operation "${op}" failed: ${String(err)}`, {
      cause: err,
    });
  }
  if (envelope.error) {
    const { code, msg, details } = envelope.error;
    throw new CniError(code, msg, details ? { details } : {});
  }
  return envelope.ok;
}

/** The names of the module's exported operations (for tests and diagnostics). */
export function engineExports(): string[] {
  return Object.keys(exportsObject);
}
