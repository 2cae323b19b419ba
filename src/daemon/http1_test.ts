import { assertEquals, assertRejects, assertThrows } from "../../tests/support/assert.ts";
import { bodyStream, type ByteConn, HttpHeadError, parseHead, readHead } from "./http1.ts";

/** A connection that delivers `parts` one read each, then ends; records writes. */
function fakeConn(parts: string[]): ByteConn & { written: string } {
  const queue = parts.map((p) => new TextEncoder().encode(p));
  const conn = {
    written: "",
    read(p: Uint8Array): Promise<number | null> {
      const next = queue.shift();
      if (!next) return Promise.resolve(null);
      if (next.length > p.length) queue.unshift(next.subarray(p.length));
      const n = Math.min(p.length, next.length);
      p.set(next.subarray(0, n));
      return Promise.resolve(n);
    },
    write(p: Uint8Array): Promise<number> {
      conn.written += new TextDecoder().decode(p);
      return Promise.resolve(p.length);
    },
  };
  return conn;
}

Deno.test("parseHead() reads the request line, headers and the body's framing", () => {
  const head = parseHead(
    "POST /cni HTTP/1.1\r\nHost: d\r\nContent-Length: 12\r\nExpect: 100-continue",
  );
  assertEquals([head.method, head.target, head.headers.get("host")], ["POST", "/cni", "d"]);
  assertEquals(head.body, { kind: "length", length: 12 });
  assertEquals(head.expectContinue, true);
  assertEquals(parseHead("GET /readyz HTTP/1.0").body, { kind: "none" });
  assertEquals(parseHead("POST / HTTP/1.1\r\nTransfer-Encoding: chunked").body, {
    kind: "chunked",
  });
});

Deno.test("parseHead() refuses malformed and ambiguous heads with 400 (501 for other codings)", () => {
  const cases: Array<[string, number]> = [
    ["GET /", 400],
    ["GET / HTTP/2.0", 400],
    ["GET / HTTP/1.1\r\nNo colon here", 400],
    ["GET / HTTP/1.1\r\n folded: x", 400],
    ["POST / HTTP/1.1\r\nContent-Length: -1", 400],
    ["POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2", 400],
    ["POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked", 400],
    ["POST / HTTP/1.1\r\nTransfer-Encoding: gzip", 501],
  ];
  for (const [text, status] of cases) {
    const err = assertThrows(() => parseHead(text), HttpHeadError);
    assertEquals(err.status, status, JSON.stringify(text));
  }
});

Deno.test("readHead() returns what came past the head; 431 past 16 KiB; null for an empty connection", async () => {
  const got = await readHead(fakeConn(["GET / HTTP/1.1\r\nA: b\r", "\n\r\nxyz"]));
  assertEquals(got?.head.headers.get("a"), "b");
  assertEquals(new TextDecoder().decode(got?.rest), "xyz");
  assertEquals(await readHead(fakeConn([])), null);
  const big = await assertRejects(
    () => readHead(fakeConn([`GET / HTTP/1.1\r\nX: ${"a".repeat(20000)}\r\n\r\n`])),
    HttpHeadError,
  );
  assertEquals(big.status, 431);
});

Deno.test("bodyStream() decodes a chunked body, answers 100-continue first and reports the end", async () => {
  const head = parseHead("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue");
  const conn = fakeConn(["3;ext\r\nabc\r\n", "2\r\nde\r\n0\r\n\r\n"]);
  let ended = false;
  const body = bodyStream(conn, new Uint8Array(), head, {
    onStart: async () => void await conn.write(new TextEncoder().encode("CONTINUE")),
    onEnd: () => ended = true,
  });
  assertEquals(await new Response(body).text(), "abcde");
  assertEquals([conn.written, ended], ["CONTINUE", true]);
});

Deno.test("bodyStream() reads exactly Content-Length bytes and errors when the client goes away", async () => {
  const head = parseHead("POST / HTTP/1.1\r\nContent-Length: 5");
  const hooks = { onStart: () => Promise.resolve(), onEnd: () => {} };
  const rest = new TextEncoder().encode("ab");
  assertEquals(
    await new Response(bodyStream(fakeConn(["cdeEXTRA"]), rest, head, hooks)).text(),
    "abcde",
  );
  await assertRejects(
    () => new Response(bodyStream(fakeConn(["c"]), rest, head, hooks)).text(),
    Error,
    "the client went away",
  );
});
