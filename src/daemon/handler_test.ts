import { assertEquals, assertStringIncludes } from "../../tests/support/assert.ts";
import { CniError } from "../cni/error.ts";
import { silentLogger } from "../platform/log.ts";
import type { CniRequest } from "./cni_request.ts";
import { createHandler, type DaemonCommands, NOT_READY_STATUS } from "./handler.ts";
import { Limiter } from "./limiter.ts";

const stdin = JSON.stringify({
  cniVersion: "0.3.1",
  name: "multus-cni-network",
  type: "multus-shim",
});

function body(env: Record<string, string>, config = stdin): string {
  return JSON.stringify({ env, config: btoa(config) });
}

const podEnv = {
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "ctr1",
  CNI_NETNS: "/var/run/netns/x",
  CNI_IFNAME: "eth0",
  CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web;K8S_POD_UID=u1;EXTRA=a=b",
  CNI_PATH: "/opt/cni/bin",
};

function handlerWith(commands: Partial<DaemonCommands>, ready = true) {
  const seen: CniRequest[] = [];
  const handler = createHandler({
    commands: {
      cni: (req) => {
        seen.push(req);
        return commands.cni ? commands.cni(req) : Promise.resolve();
      },
      delegate: (req) => {
        seen.push(req);
        return commands.delegate ? commands.delegate(req) : Promise.resolve();
      },
    },
    limiter: new Limiter(4, 4),
    isReady: () => ready,
    logger: silentLogger,
  });
  return { handler, seen };
}

const post = (path: string, b: string) =>
  new Request(`http://dummy${path}`, { method: "POST", body: b });

Deno.test("createHandler() answers ADD with the result as 1.0.0 under Result", async () => {
  const { handler, seen } = handlerWith({
    cni: () =>
      Promise.resolve({ cniVersion: "0.3.1", ips: [{ version: "4", address: "10.1.0.2/24" }] }),
  });
  const res = await handler(post("/cni", body(podEnv)));
  assertEquals(res.status, 200);
  assertEquals(await res.json(), {
    Result: { cniVersion: "1.0.0", ips: [{ address: "10.1.0.2/24" }] },
    ConfigVersionResult: {
      cniVersion: "0.3.1",
      ips: [{ version: "4", address: "10.1.0.2/24" }],
      dns: {},
    },
  });
  assertEquals(seen[0]?.args.stdinText, stdin);
  assertEquals([seen[0]?.podNamespace, seen[0]?.podName], ["ns", "web"]);
});

Deno.test("createHandler() returns a delegate's CNI error as 400 JSON with its code", async () => {
  const { handler } = handlerWith({
    cni: () => Promise.reject(new CniError(11, "IPAM pool busy", { details: "retry" })),
  });
  const res = await handler(post("/cni", body(podEnv)));
  assertEquals(res.status, 400);
  assertEquals(res.headers.get("content-type"), "application/json");
  assertEquals(await res.json(), { code: 11, msg: "IPAM pool busy", details: "retry" });
});

Deno.test("createHandler() rejects requests missing CNI variables with Multus's wording", async () => {
  const { handler } = handlerWith({});
  const cases: Array<[Record<string, string>, string]> = [
    [{}, "could not extract the CNI command args: unexpected or missing CNI_COMMAND"],
    [{ ...podEnv, CNI_CONTAINERID: undefined as unknown as string }, "missing CNI_CONTAINERID"],
    [{ ...podEnv, CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web" }, "missing K8S_POD_NAMESPACE"],
  ];
  for (const [env, msg] of cases) {
    const res = await handler(post("/cni", body(JSON.parse(JSON.stringify(env)))));
    assertEquals(res.status, 400);
    assertStringIncludes((await res.json()).msg, msg);
  }
  const garbage = await handler(post("/cni", "{nope"));
  assertEquals((await garbage.json()).code, 6);
});

Deno.test("createHandler() accepts STATUS and GC without pod variables", async () => {
  const { handler, seen } = handlerWith({});
  const stdin11 = JSON.stringify({ cniVersion: "1.1.0", name: "multus-cni-network" });
  const res = await handler(post("/cni", body({ CNI_COMMAND: "STATUS", CNI_PATH: "/x" }, stdin11)));
  assertEquals(res.status, 200);
  assertEquals(seen[0]?.command, "STATUS");
});

Deno.test("createHandler() serves /healthz, /readyz (500 after shutdown began), 405 and 404", async () => {
  const ready = handlerWith({}).handler;
  const stopping = handlerWith({}, false).handler;
  assertEquals((await ready(new Request("http://dummy/healthz"))).status, 200);
  assertEquals((await ready(post("/readyz", "null"))).status, 200);
  assertEquals((await stopping(new Request("http://dummy/readyz"))).status, 500);
  assertEquals((await stopping(new Request("http://dummy/healthz"))).status, 200);
  const wrong = await ready(new Request("http://dummy/cni"));
  assertEquals([wrong.status, await wrong.text()], [405, "Method not allowed\n"]);
  assertEquals((await ready(new Request("http://dummy/nope"))).status, 404);
});

Deno.test("createHandler() answers ADD (any CNI call but DEL) 503 with CNI error 11 once shutdown began, before it runs", async () => {
  const { handler, seen } = handlerWith({}, false);
  const res = await handler(post("/cni", body(podEnv)));
  assertEquals(res.status, NOT_READY_STATUS);
  const wire = await res.json();
  assertEquals(wire.code, 11);
  assertStringIncludes(wire.msg, "multus-daemon is not ready");
  assertEquals(seen.length, 0, "nothing ran");
  const del = await handler(post("/cni", body({ ...podEnv, CNI_COMMAND: "DEL" })));
  assertEquals(del.status, 200, "a DEL is still served");
  assertEquals(seen.map((r) => r.command), ["DEL"]);
});

Deno.test("createHandler() keeps `=` inside CNI_ARGS values (Go Multus's daemon rejects them)", async () => {
  const { handler, seen } = handlerWith({});
  const res = await handler(post("/cni", body({ ...podEnv, CNI_COMMAND: "DEL" })));
  assertEquals(res.status, 200);
  assertStringIncludes(seen[0]!.args.args, "EXTRA=a=b");
});

Deno.test("createHandler() refuses a /cni or /delegate body past maxRequestBytes with CNI error 6", async () => {
  const { handler, seen } = handlerWith({});
  for (const path of ["/cni", "/delegate"]) {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    }, { highWaterMark: 0 });
    const res = await handler(
      new Request(`http://dummy${path}`, { method: "POST", body: endless }),
    );
    assertEquals(res.status, 400);
    assertEquals(res.headers.get("content-type"), "application/json");
    assertEquals(await res.json(), {
      code: 6,
      msg:
        "could not decode the CNI request: its body is larger than 1048576 bytes (maxRequestBytes)",
    });
    assertEquals(pulled <= 18, true, `read ${pulled} chunks of an endless body`);
  }
  assertEquals(seen, []);
  const small = createHandler({
    commands: { cni: () => Promise.resolve(), delegate: () => Promise.resolve() },
    limiter: new Limiter(1, 1),
    isReady: () => true,
    logger: silentLogger,
    maxRequestBytes: 16,
  });
  const res = await small(post("/cni", body(podEnv)));
  assertStringIncludes((await res.json()).msg, "larger than 16 bytes");
});
