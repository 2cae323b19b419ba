/**
 * The CRI `runtime.v1` messages the runtime tier sends and reads, encoded by hand (proto3
 * wire format: varints, length-delimited strings and messages, maps as repeated
 * key/value entries). Only the fields the tests use; field numbers as in the CRI's
 * `api.proto`. No protobuf library.
 *
 * @module
 */

/** A proto3 message under construction. */
export class ProtoWriter {
  #bytes: number[] = [];

  #varint(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.#bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.#bytes.push(v);
  }

  #key(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  /** A varint field (uint32, int32 >= 0, int64 >= 0, bool, enum); zero is left out. */
  uint(field: number, value: number | boolean | undefined): this {
    const n = typeof value === "boolean" ? (value ? 1 : 0) : value ?? 0;
    if (n < 0) throw new Error(`negative varint ${n} in field ${field}`);
    if (n !== 0) {
      this.#key(field, 0);
      this.#varint(n);
    }
    return this;
  }

  /** A length-delimited field from raw bytes (always written, even when empty). */
  bytes(field: number, value: Uint8Array): this {
    this.#key(field, 2);
    this.#varint(value.length);
    for (const b of value) this.#bytes.push(b);
    return this;
  }

  /** A string field; the empty string is left out. */
  string(field: number, value: string | undefined): this {
    if (!value) return this;
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message (written even when empty, so its presence is kept). */
  message(field: number, value: ProtoWriter | undefined): this {
    if (!value) return this;
    return this.bytes(field, value.finish());
  }

  /** A `map<string, string>` field. */
  map(field: number, value: Record<string, string> | undefined): this {
    for (const [k, v] of Object.entries(value ?? {})) {
      this.message(field, new ProtoWriter().string(1, k).string(2, v));
    }
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return new Uint8Array(this.#bytes);
  }
}

import { type ProtoField, protoFields } from "../../src/platform/protobuf.ts";

export { type ProtoField, protoFields };

/** The string of a length-delimited field. */
export function protoText(v: number | Uint8Array): string {
  return typeof v === "number" ? "" : new TextDecoder().decode(v);
}

/** The bytes of a length-delimited field. */
export function protoBytes(v: number | Uint8Array): Uint8Array {
  return typeof v === "number" ? new Uint8Array(0) : v;
}

/** The first string of `field`, or "". */
export function stringField(buf: Uint8Array, field: number): string {
  const f = protoFields(buf).find(([n, w]) => n === field && w === 2);
  return f ? protoText(f[2]) : "";
}

/** The first varint of `field`, or 0. */
export function uintField(buf: Uint8Array, field: number): number {
  const f = protoFields(buf).find(([n, w]) => n === field && w === 0);
  return f && typeof f[2] === "number" ? f[2] : 0;
}

/** Every embedded message of `field`. */
export function messageFields(buf: Uint8Array, field: number): Uint8Array[] {
  return protoFields(buf).filter(([n, w]) => n === field && w === 2).map(([, , v]) =>
    protoBytes(v)
  );
}

/** A `map<string, string>` field. */
export function mapField(buf: Uint8Array, field: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of messageFields(buf, field)) {
    out[stringField(entry, 1)] = stringField(entry, 2);
  }
  return out;
}
