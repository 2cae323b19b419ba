import { assertEquals, assertThrows } from "../../tests/support/assert.ts";
import { protoFields } from "./protobuf.ts";

Deno.test("protoFields() reads varints and length-delimited fields in order, skipping fixed ones", () => {
  // field 1 varint 150; field 2 bytes "hi"; field 3 fixed64; field 4 fixed32; field 5 varint 1.
  const buf = new Uint8Array([
    0x08,
    0x96,
    0x01,
    0x12,
    0x02,
    0x68,
    0x69,
    0x19,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    0x25,
    1,
    2,
    3,
    4,
    0x28,
    0x01,
  ]);
  const fields = protoFields(buf);
  assertEquals(fields.map(([f, w]) => [f, w]), [[1, 0], [2, 2], [5, 0]]);
  assertEquals(fields[0]![2], 150);
  assertEquals(new TextDecoder().decode(fields[1]![2] as Uint8Array), "hi");
  assertEquals(fields[2]![2], 1);
});

Deno.test("protoFields() throws on truncated input and on group wire types", () => {
  assertEquals(
    assertThrows(() => protoFields(new Uint8Array([0x08, 0x96])), Error).message,
    "truncated protobuf varint",
  );
  assertEquals(
    assertThrows(() => protoFields(new Uint8Array([0x12, 0x05, 0x68])), Error).message,
    "truncated protobuf field",
  );
  assertEquals(
    assertThrows(() => protoFields(new Uint8Array([0x0b])), Error).message,
    "unsupported protobuf wire type 3",
  );
});
