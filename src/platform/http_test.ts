import { deepStrictEqual, deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { createTestPki, type TestPki } from "../../tests/support/certs.ts";
import { classifyTransportError, createHttpTransport, TransportError } from "./http.ts";

interface TestServer extends AsyncDisposable {
  url: string;
  port: number;
}

/** A Deno.serve server with the PKI's server certificate (or plain HTTP). */
function serve(
  handler: (req: Request) => Response | Promise<Response>,
  pki?: TestPki,
): TestServer {
  const ac = new AbortController();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: ac.signal,
    onListen() {},
    ...(pki ? { cert: pki.server.certPem, key: pki.server.keyPem } : {}),
  }, handler);
  const port = server.addr.port;
  return {
    url: `${pki ? "https" : "http"}://localhost:${port}`,
    port,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await server.finished;
    },
  };
}

/** A TCP server that accepts connections and never answers. */
function hangServer(): TestServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch {
      // closed
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) c.close();
      await loop;
    },
  };
}

/** A TCP server that reads the request and closes the connection. */
function resetServer(): TestServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    try {
      for await (const c of listener) {
        await c.read(new Uint8Array(4096)).catch(() => null);
        c.close();
      }
    } catch {
      // closed
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
    },
  };
}

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function withPki(fn: (pki: TestPki, other: TestPki) => Promise<void>): Promise<void> {
  const pki = await createTestPki();
  const other = await createTestPki({ caName: "unknown CA" });
  try {
    await fn(pki, other);
  } finally {
    await pki.cleanup();
    await other.cleanup();
  }
}

const echo = (req: Request): Response =>
  Response.json({ method: req.method, auth: req.headers.get("authorization"), url: req.url });

Deno.test("createHttpTransport() talks TLS with a custom CA and sends method, headers and body", async () => {
  await withPki(async (pki) => {
    await using srv = serve(async (req) => new Response(`${req.method} ${await req.text()}`), pki);
    const t = createHttpTransport({ caPems: [pki.ca.certPem] });
    try {
      const res = await t.request({
        method: "PATCH",
        url: `${srv.url}/x`,
        headers: { "content-type": "application/json" },
        body: '{"a":1}',
        timeoutMs: 5000,
      });
      assertEquals(res.status, 200);
      assertEquals(await res.text(), 'PATCH {"a":1}');
    } finally {
      t.close();
    }
  });
});

Deno.test("createHttpTransport() fails with a tls TransportError when the server's CA is unknown", async () => {
  await withPki(async (pki, other) => {
    await using srv = serve(echo, pki);
    for (
      const opts of [{ caPems: [other.ca.certPem] }, {
        caPems: [other.ca.certPem],
        serverName: "localhost",
      }]
    ) {
      const t = createHttpTransport(opts);
      try {
        const err = await rejects(
          t.request({ method: "GET", url: `${srv.url}/`, headers: {}, timeoutMs: 5000 }),
          (e: unknown) => e instanceof TransportError && e.kind === "tls" && !e.retriable,
        );
        void err;
      } finally {
        t.close();
      }
    }
  });
});

Deno.test("createHttpTransport() skips verification when insecureSkipVerify is set", async () => {
  await withPki(async (pki) => {
    await using srv = serve(echo, pki);
    const t = createHttpTransport({ insecureSkipVerify: true });
    try {
      const res = await t.request({
        method: "GET",
        url: `${srv.url}/a?b=c`,
        headers: { authorization: "Bearer abc" },
        timeoutMs: 5000,
      });
      assertEquals(res.status, 200);
      const body = JSON.parse(await res.text());
      deepStrictEqual([body.method, body.auth], ["GET", "Bearer abc"]);
      ok(String(body.url).endsWith("/a?b=c"));
    } finally {
      t.close();
    }
  });
});

Deno.test("createHttpTransport() verifies against serverName when the URL host differs", async () => {
  await withPki(async (pki) => {
    await using srv = serve(echo, pki);
    const good = createHttpTransport({ caPems: [pki.ca.certPem], serverName: "localhost" });
    const bad = createHttpTransport({ caPems: [pki.ca.certPem], serverName: "kubernetes" });
    try {
      const url = `https://127.0.0.1:${srv.port}/`;
      const res = await good.request({ method: "GET", url, headers: {}, timeoutMs: 5000 });
      assertEquals(res.status, 200);
      await res.cancel();
      await rejects(
        bad.request({ method: "GET", url, headers: {}, timeoutMs: 5000 }),
        (e: unknown) => e instanceof TransportError && e.kind === "tls",
      );
    } finally {
      good.close();
      bad.close();
    }
  });
});

Deno.test("createHttpTransport() presents the client certificate for mTLS", async () => {
  await withPki(async (pki) => {
    const client = await pki.issueClient("system:multus:node1", { groups: ["system:multus"] });
    const https = await import("node:https");
    const server = https.createServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    }, (req, res) => {
      const sock = req.socket as unknown as {
        authorized: boolean;
        getPeerCertificate(): { subject?: { CN?: string } };
      };
      res.end(sock.authorized ? `CN=${sock.getPeerCertificate().subject?.CN}` : "anonymous");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const tls = createHttpTransport({
      caPems: [pki.ca.certPem],
      certPem: client.certPem,
      keyPem: client.keyPem,
    });
    const insecure = createHttpTransport({
      insecureSkipVerify: true,
      certPem: client.certPem,
      keyPem: client.keyPem,
    });
    try {
      for (const t of [tls, insecure]) {
        const res = await t.request({
          method: "GET",
          url: `https://localhost:${port}/`,
          headers: { connection: "close" },
          timeoutMs: 5000,
        });
        assertEquals(await res.text(), "CN=system:multus:node1");
      }
    } finally {
      tls.close();
      insecure.close();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    }
  });
});

Deno.test("createHttpTransport() classifies a refused connection as retriable", async () => {
  const port = closedPort();
  for (const opts of [{}, { insecureSkipVerify: true }]) {
    const t = createHttpTransport(opts);
    try {
      await rejects(
        t.request({
          method: "GET",
          url: `http://127.0.0.1:${port}/`,
          headers: {},
          timeoutMs: 2000,
        }),
        (e: unknown) => {
          ok(e instanceof TransportError);
          assertEquals(e.kind, "refused");
          ok(e.retriable);
          ok(e.message.startsWith(`Get "http://127.0.0.1:${port}/": connect: connection refused`));
          return true;
        },
      );
    } finally {
      t.close();
    }
  }
});

Deno.test("createHttpTransport() classifies a dropped connection as a retriable reset", async () => {
  await using srv = resetServer();
  const t = createHttpTransport();
  try {
    await rejects(
      t.request({ method: "GET", url: `${srv.url}/`, headers: {}, timeoutMs: 2000 }),
      (e: unknown) => e instanceof TransportError && e.kind === "reset" && e.retriable,
    );
  } finally {
    t.close();
  }
});

Deno.test("createHttpTransport() times out a server that never answers", async () => {
  await using srv = hangServer();
  for (const opts of [{}, { insecureSkipVerify: true }]) {
    const t = createHttpTransport(opts);
    try {
      const started = Date.now();
      await rejects(
        t.request({ method: "GET", url: `${srv.url}/`, headers: {}, timeoutMs: 100 }),
        (e: unknown) => {
          ok(e instanceof TransportError);
          assertEquals(e.kind, "timeout");
          ok(e.retriable);
          ok(e.message.includes("context deadline exceeded"));
          return true;
        },
      );
      ok(Date.now() - started < 2000);
    } finally {
      t.close();
    }
  }
});

Deno.test("createHttpTransport() reports a caller abort as aborted, not retriable", async () => {
  await using srv = hangServer();
  const t = createHttpTransport();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  try {
    await rejects(
      t.request({ method: "GET", url: `${srv.url}/`, headers: {}, signal: ac.signal }),
      (e: unknown) => e instanceof TransportError && e.kind === "aborted" && !e.retriable,
    );
  } finally {
    t.close();
  }
});

Deno.test("lines() splits a streamed body and ends quietly when the signal aborts", async () => {
  let push: ((s: string) => void) | undefined;
  await using srv = serve(() => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        const enc = new TextEncoder();
        push = (s) => c.enqueue(enc.encode(s));
        push('{"a":1}\n{"b"');
      },
    });
    return new Response(body);
  });
  const t = createHttpTransport();
  const ac = new AbortController();
  try {
    const res = await t.request({
      method: "GET",
      url: `${srv.url}/watch`,
      headers: {},
      timeoutMs: 200,
      signal: ac.signal,
    });
    const seen: string[] = [];
    for await (const line of res.lines()) {
      seen.push(line);
      if (seen.length === 1) push?.(":2}\n");
      if (seen.length === 2) {
        // the request's 200 ms timeout no longer applies once the stream is read
        await new Promise((r) => setTimeout(r, 300));
        push?.("\n");
        ac.abort();
      }
    }
    deepStrictEqual(seen.slice(0, 2), ['{"a":1}', '{"b":2}']);
  } finally {
    t.close();
  }
});

Deno.test("lines() ends when the consumer breaks out of the loop", async () => {
  await using srv = serve(() => new Response("one\ntwo\nthree\n"));
  for (const opts of [{}, { insecureSkipVerify: true }]) {
    const t = createHttpTransport(opts);
    try {
      const res = await t.request({
        method: "GET",
        url: `${srv.url}/`,
        headers: {},
        timeoutMs: 2000,
      });
      for await (const line of res.lines()) {
        assertEquals(line, "one");
        break;
      }
    } finally {
      t.close();
    }
  }
});

Deno.test("classifyTransportError() names the method and URL, Go style, for an unknown cause", () => {
  const err = classifyTransportError(new TypeError("fetch failed", { cause: new Error("weird") }), {
    method: "GET",
    url: "https://10.96.0.1:443/api/v1/namespaces/a/pods/b",
  });
  assertEquals(err.kind, "other");
  assertEquals(err.message, 'Get "https://10.96.0.1:443/api/v1/namespaces/a/pods/b": weird');
});

Deno.test("classifyTransportError() ignores words in the URL when it picks the kind", () => {
  const cause = new Error(
    "error sending request for url (https://h/api/v1/namespaces/a/pods/tls-certificate-alert): client error (Connect): tcp connect error: Connection refused (os error 111)",
  );
  const err = classifyTransportError(new TypeError("fetch failed", { cause }), {
    method: "GET",
    url: "https://h/x",
  });
  assertEquals(err.kind, "refused");
  const other = classifyTransportError(new Error("weird failure at https://h/ssl-alert"), {
    method: "GET",
    url: "https://h/x",
  });
  assertEquals(other.kind, "other");
});

Deno.test("classifyTransportError() treats a TLS peer that closes without close_notify as a retriable reset", () => {
  const cause = new Error(
    "error reading a body from connection: peer closed connection without sending TLS close_notify: https://docs.rs/rustls/latest/rustls/manual/_03_howto/index.html#unexpected-eof",
  );
  const err = classifyTransportError(new TypeError("error reading a body", { cause }), {
    method: "GET",
    url: "https://h/api/v1/pods?watch=1",
  });
  assertEquals(err.kind, "reset");
  assertEquals(err.retriable, true);
});
