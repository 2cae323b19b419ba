/**
 * Reading the protobuf wire format, for the few gRPC messages the program reads by hand
 * (the kubelet's PodResources `List`; the tests' CRI client) without a protobuf library.
 *
 * @module
 */

/** One decoded field: number, wire type and value (a number for varints, else bytes). */
export type ProtoField = [field: number, wire: number, value: number | Uint8Array];

/**
 * The fields of an encoded message, in order. Fixed 32- and 64-bit fields are skipped;
 * truncated input and group wire types throw.
 */
export function protoFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error("truncated protobuf varint");
      const b = buf[pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 0x80;
      if (scale > 2 ** 63) throw new Error("protobuf varint too long");
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error("truncated protobuf field");
      out.push([field, wire, buf.subarray(pos, pos + len)]);
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}
