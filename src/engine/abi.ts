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
 * Runs engine operation `op` on the raw bytes `input` (normally JSON text) and returns the
 * envelope text the module answers, undecoded: the boundary itself, for property tests
 * that feed it malformed bytes.
 *
 * @throws {CniError} 999 when `op` is not exported.
 * @throws {WebAssembly.RuntimeError} when the module traps.
 */
export function callEngineRaw(op: string, input: Uint8Array): string {
  const fn = exportsObject[op];
  if (typeof fn !== "function") {
    throw new CniError(CniCode.Internal, `Cannot call engine operation "${op}": not exported`);
  }
  const inPtr = exportsObject.alloc(input.length);
  new Uint8Array(exportsObject.memory.buffer, inPtr, input.length).set(input);
  const outPtr = (fn as (p: number, l: number) => number)(inPtr, input.length);
  const view = new DataView(exportsObject.memory.buffer);
  const len = view.getUint32(outPtr, true);
  const text = decoder.decode(new Uint8Array(exportsObject.memory.buffer, outPtr + 4, len));
  exportsObject.dealloc(outPtr, len + 4);
  return text;
}

/**
 * Runs engine operation `op` on `input` and returns its `ok` value.
 *
 * @throws {CniError} the operation's error with its CNI code, or 999 when the module traps.
 */
export function callEngine(op: string, input: unknown): unknown {
  if (typeof exportsObject[op] !== "function") {
    throw new CniError(CniCode.Internal, `Cannot call engine operation "${op}": not exported`);
  }
  let envelope: { ok?: unknown; error?: { code: number; msg: string; details?: string } };
  try {
    envelope = JSON.parse(callEngineRaw(op, encoder.encode(JSON.stringify(input))));
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
