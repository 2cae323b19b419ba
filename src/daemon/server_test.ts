import { assertEquals, assertStringIncludes } from "../../tests/support/assert.ts";
import { silentLogger } from "../platform/log.ts";
import { createHandler } from "./handler.ts";
import { Limiter } from "./limiter.ts";
import { serveUnixSocket } from "./server.ts";

/** Sends `raw` on a fresh connection and reads until the server closes it. */
async function exchange(path: string, raw: string): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  await conn.write(new TextEncoder().encode(raw)).catch(() => 0);
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  try {
    for (let n; (n = await conn.read(buf)) !== null;) chunks.push(buf.slice(0, n));
  } catch {
    // reset after the answer
  } finally {
    conn.close();
  }
  return chunks.map((c) => new TextDecoder().decode(c)).join("");
}

async function withServer(
  opts: { requestTimeoutMs?: number; maxConnections?: number; work?: () => Promise<void> },
  test: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/run/multus.sock`;
  const handler = createHandler({
    commands: {
      cni: () => (opts.work ?? (() => Promise.resolve()))(),
      delegate: () => Promise.resolve(),
    },
    limiter: new Limiter(null, 0),
    isReady: () => true,
    logger: silentLogger,
    maxRequestBytes: 1024,
  });
  const listening = await serveUnixSocket(path, handler, {
    onError: () => {},
    ...opts,
    busy: () => new Response('{"code":11}', { status: 400 }),
  });
  try {
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    await test(path);
  } finally {
    await listening.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

const del = JSON.stringify({
  env: {
    CNI_COMMAND: "DEL",
    CNI_CONTAINERID: "c1",
    CNI_NETNS: "/var/run/netns/x",
    CNI_ARGS: "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p",
  },
  config: btoa('{"cniVersion":"1.0.0","name":"n"}'),
});

Deno.test("serveUnixSocket() answers one request per connection with Connection: close", async () => {
  await withServer({}, async (path) => {
    const raw = await exchange(
      path,
      `POST /cni HTTP/1.1\r\nHost: d\r\nContent-Length: ${del.length}\r\n\r\n${del}` +
        "GET /healthz HTTP/1.1\r\nHost: d\r\n\r\n",
    );
    assertEquals(raw.match(/HTTP\/1\.1 /g)?.length, 1, raw);
    assertStringIncludes(raw, "HTTP/1.1 200 OK");
    assertStringIncludes(raw.toLowerCase(), "connection: close");
  });
});

Deno.test("serveUnixSocket() answers a body past the bound with CNI error 6", async () => {
  await withServer({}, async (path) => {
    const raw = await exchange(
      path,
      `POST /cni HTTP/1.1\r\nHost: d\r\nContent-Length: 100000\r\n\r\n${"x".repeat(100000)}`,
    );
    assertStringIncludes(raw, "HTTP/1.1 400 Bad Request");
    assertStringIncludes(raw, "is larger than 1024 bytes (maxRequestBytes)");
  });
});

Deno.test("serveUnixSocket() closes a half-sent request after requestTimeoutMs, not a slow answer", async () => {
  await withServer({
    requestTimeoutMs: 300,
    work: () => new Promise((r) => setTimeout(r, 1000)),
  }, async (path) => {
    assertEquals(
      await exchange(path, "POST /cni HTTP/1.1\r\nHost: d\r\nContent-Length: 10\r\n\r\n{"),
      "",
    );
    assertEquals(await exchange(path, "GET /healthz HTTP/1.1\r\nHo"), "");
    const slow = await exchange(
      path,
      `POST /cni HTTP/1.1\r\nHost: d\r\nContent-Length: ${del.length}\r\n\r\n${del}`,
    );
    assertStringIncludes(slow, "HTTP/1.1 200 OK");
  });
});

Deno.test("serveUnixSocket() answers a connection beyond maxConnections with the busy answer", async () => {
  await withServer({ maxConnections: 1 }, async (path) => {
    const held = await Deno.connect({ transport: "unix", path });
    try {
      const raw = await exchange(path, "GET /readyz HTTP/1.1\r\nHost: d\r\n\r\n");
      assertStringIncludes(raw, "HTTP/1.1 400 Bad Request");
      assertStringIncludes(raw, '{"code":11}');
    } finally {
      held.close();
    }
  });
});

Deno.test("serveUnixSocket() answers headers past 16 KiB with 431", async () => {
  await withServer({}, async (path) => {
    const raw = await exchange(
      path,
      `GET /healthz HTTP/1.1\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`,
    );
    assertStringIncludes(raw, "HTTP/1.1 431");
  });
});

Deno.test("serveUnixSocket() does not require a Host header", async () => {
  await withServer({}, async (path) => {
    assertStringIncludes(await exchange(path, "GET /healthz HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK");
  });
});
