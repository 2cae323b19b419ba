import { assertEquals, assertRejects } from "../../tests/support/assert.ts";
import { CniError } from "../cni/error.ts";
import { readBoundedText } from "./request_body.ts";

/** A body of `chunks` chunks of `size` bytes that counts how many were pulled. */
function counted(chunks: number, size: number) {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled === chunks) return c.close();
      pulled++;
      c.enqueue(new Uint8Array(size).fill(0x61));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  const req = new Request("http://dummy/cni", { method: "POST", body: stream });
  return { req, pulled: () => pulled, cancelled: () => cancelled };
}

Deno.test("readBoundedText() returns a body up to the bound", async () => {
  const { req } = counted(4, 256);
  assertEquals((await readBoundedText(req, 1024)).length, 1024);
  assertEquals(await readBoundedText(new Request("http://dummy/", { method: "POST" }), 8), "");
});

Deno.test("readBoundedText() stops reading at the first chunk past the bound", async () => {
  const body = counted(1000, 64 * 1024);
  const err = await assertRejects(() => readBoundedText(body.req, 1024 * 1024), CniError);
  assertEquals(err.code, 6);
  assertEquals(
    err.message,
    "could not decode the CNI request: its body is larger than 1048576 bytes (maxRequestBytes)",
  );
  assertEquals(body.pulled(), 17, "16 chunks fill the bound, the 17th crosses it");
  assertEquals(body.cancelled(), true);
});

Deno.test("readBoundedText() refuses a declared Content-Length past the bound without reading", async () => {
  const body = counted(10, 16);
  const req = new Request(body.req, { headers: { "content-length": "37000000" } });
  const err = await assertRejects(() => readBoundedText(req, 1024), CniError);
  assertEquals(err.code, 6);
  assertEquals(
    err.message,
    "could not decode the CNI request: its body of 37000000 bytes is larger than 1024 bytes (maxRequestBytes)",
  );
  assertEquals(body.cancelled(), true);
});
