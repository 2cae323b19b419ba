import { assertEquals, assertRejects, assertStringIncludes } from "../../tests/support/assert.ts";
import { CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import { silentLogger } from "../platform/log.ts";
import { UnixHttpError, type UnixHttpResponse } from "../platform/unix_http.ts";
import { base64, shimConf, type ShimDeps, shimFuncs } from "./shim.ts";

const args = (command: CmdArgs["command"], config: Record<string, unknown> = {}): CmdArgs => ({
  command,
  containerId: "c1",
  netns: "/var/run/netns/x",
  ifName: "eth0",
  args: "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p",
  path: "/opt/cni/bin",
  stdinText: JSON.stringify({ cniVersion: "0.3.1", name: "multus-cni-network", ...config }),
  config: { cniVersion: "0.3.1", name: "multus-cni-network", ...config },
  cniVersion: "0.3.1",
  env: { CNI_COMMAND: command },
});

type Answer = UnixHttpResponse | Error;

function fakeDeps(answers: Record<string, Answer[]>): ShimDeps & { calls: string[] } {
  const calls: string[] = [];
  let t = 0;
  return {
    calls,
    request(socket, req) {
      calls.push(`${req.method} ${req.path} @${socket}`);
      const next = answers[req.path]?.shift();
      if (!next) {
        return Promise.reject(
          new UnixHttpError("refused", "dial unix: connect: connection refused"),
        );
      }
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    logger: silentLogger,
    sleep: (ms) => {
      t += ms;
      return Promise.resolve();
    },
    now: () => t,
    readyTimeoutMs: 1000,
  };
}

const ok = (body = ""): UnixHttpResponse => ({ status: 200, headers: {}, body });

Deno.test("shimConf() reads the socket dir with Multus's default", () => {
  assertEquals(shimConf(args("ADD")).socketPath, "/run/multus/multus.sock");
  assertEquals(shimConf(args("ADD", { daemonSocketDir: "/x/" })).socketPath, "/x/multus.sock");
});

Deno.test("shim ADD waits for /readyz and posts /cni; prefers the daemon's converted result", async () => {
  const deps = fakeDeps({
    "/readyz": [{ status: 500, headers: {}, body: "" }, ok()],
    "/cni": [
      ok(JSON.stringify({
        Result: { cniVersion: "1.0.0", ips: [{ address: "10.1.0.2/24" }] },
        ConfigVersionResult: {
          cniVersion: "0.3.1",
          ips: [{ version: "4", address: "10.1.0.2/24" }],
        },
      })),
    ],
  });
  const result = await shimFuncs(deps).add(args("ADD"));
  assertEquals(result, { cniVersion: "0.3.1", ips: [{ version: "4", address: "10.1.0.2/24" }] });
  assertEquals(deps.calls.map((c) => c.split(" @")[0]), [
    "GET /readyz",
    "GET /readyz",
    "POST /cni",
  ]);
});

Deno.test("shim ADD returns Go Multus's 1.0.0 Result for the skel to convert", async () => {
  const deps = fakeDeps({
    "/readyz": [ok()],
    "/cni": [
      ok(JSON.stringify({ Result: { cniVersion: "1.0.0", ips: [{ address: "10.1.0.2/24" }] } })),
    ],
  });
  assertEquals((await shimFuncs(deps).add(args("ADD"))).cniVersion, "1.0.0");
});

Deno.test("shim ADD keeps the daemon's CNI error code and prefixes the message", async () => {
  const deps = fakeDeps({
    "/readyz": [ok()],
    "/cni": [{ status: 400, headers: {}, body: JSON.stringify({ code: 7, msg: "bad NAD" }) }],
  });
  const err = await assertRejects(() => shimFuncs(deps).add(args("ADD")), CniError);
  assertEquals([err.code, err.message], [7, "CmdAdd (shim): bad NAD"]);
});

Deno.test("shim ADD without a daemon gives up after the readiness bound with code 11", async () => {
  const err = await assertRejects(() => shimFuncs(fakeDeps({})).add(args("ADD")), CniError);
  assertEquals(err.code, 11);
  assertStringIncludes(
    err.message,
    "CmdAdd (shim): multus-daemon is not ready at /run/multus/multus.sock",
  );
});

Deno.test("shim DEL succeeds without waiting when the daemon is gone", async () => {
  const deps = fakeDeps({});
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(deps.calls.length, 1, "one /healthz probe, no polling");
});

Deno.test("shim DEL reports a delegate failure the daemon answers with", async () => {
  const deps = fakeDeps({
    "/healthz": [ok()],
    "/cni": [{
      status: 400,
      headers: {},
      body: JSON.stringify({ code: 999, msg: "errors: Link not found" }),
    }],
  });
  const err = await assertRejects(() => shimFuncs(deps).del(args("DEL")), CniError);
  assertEquals(err.message, "CmdDel (shim): errors: Link not found");
});

Deno.test("shim DEL runs the DEL on the node when /healthz gets no answer, once, without polling", async () => {
  const deps = fakeDeps({});
  const local: string[] = [];
  deps.localDel = (a) => {
    local.push(a.containerId);
    return Promise.resolve();
  };
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(deps.calls, ["GET /healthz @/run/multus/multus.sock"]);
  assertEquals(local, ["c1"]);
});

Deno.test("shim DEL runs the DEL on the node when /cni cannot be sent, and not when the daemon answered", async () => {
  const deps = fakeDeps({
    "/healthz": [ok(), ok()],
    "/cni": [new UnixHttpError("other", "POST http://dummy/cni: connection reset"), ok()],
  });
  let local = 0;
  deps.localDel = () => {
    local++;
    return Promise.resolve();
  };
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(local, 1);
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(local, 1, "the daemon ran the second DEL");
});

Deno.test("shim DEL reports a delegate failure met by the DEL on the node", async () => {
  const deps = fakeDeps({});
  deps.localDel = () => Promise.reject(new CniError(11, "errors: backend unreachable"));
  const err = await assertRejects(() => shimFuncs(deps).del(args("DEL")), CniError);
  assertEquals([err.code, err.message], [11, "CmdDel (shim): errors: backend unreachable"]);
});

Deno.test("base64() matches btoa for every padding length and for non-ASCII text", () => {
  for (
    const text of [
      "",
      "a",
      "ab",
      "abc",
      "abcd",
      '{"cniVersion":"1.0.0"}',
      "\u00fcn\u00efc\u00f6d\u00e9 \u2713 \u{1f642}",
    ]
  ) {
    const bytes = new TextEncoder().encode(text);
    assertEquals(base64(text), btoa(String.fromCharCode(...bytes)), text);
  }
});
