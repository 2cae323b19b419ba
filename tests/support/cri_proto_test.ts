import { assertEquals } from "./assert.ts";
import { mapField, messageFields, ProtoWriter, stringField, uintField } from "./cri_proto.ts";

Deno.test("ProtoWriter encodes strings, varints, embedded messages and maps in proto3 wire format", () => {
  const bytes = new ProtoWriter().string(1, "ab").uint(2, 300).uint(3, 0).string(4, "")
    .message(5, new ProtoWriter()).map(6, { k: "v" }).finish();
  assertEquals([...bytes], [
    0x0a,
    2,
    0x61,
    0x62, // 1: "ab"
    0x10,
    0xac,
    0x02, // 2: 300
    0x2a,
    0, // 5: empty message, kept
    0x32,
    6,
    0x0a,
    1,
    0x6b,
    0x12,
    1,
    0x76, // 6: {1: "k", 2: "v"}
  ]);
});

Deno.test("cri_proto readers decode what ProtoWriter wrote, varints beyond 32 bits included", () => {
  const inner = new ProtoWriter().string(1, "sandbox").uint(3, 1);
  const bytes = new ProtoWriter().message(1, inner).message(1, inner).uint(2, 2 ** 40 + 5)
    .map(7, { a: "1", b: "2" }).finish();
  assertEquals(messageFields(bytes, 1).map((m) => [stringField(m, 1), uintField(m, 3)]), [
    ["sandbox", 1],
    ["sandbox", 1],
  ]);
  assertEquals(uintField(bytes, 2), 2 ** 40 + 5);
  assertEquals(mapField(bytes, 7), { a: "1", b: "2" });
  assertEquals([stringField(bytes, 9), uintField(bytes, 9)], ["", 0]);
});
