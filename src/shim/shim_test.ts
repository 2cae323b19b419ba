import { assertEquals, assertRejects, assertStringIncludes } from "../../tests/support/assert.ts";
import { CniError } from "../cni/error.ts";
import type { CmdArgs } from "../cni/skel.ts";
import { silentLogger } from "../platform/log.ts";
import { UnixHttpError, type UnixHttpResponse } from "../platform/unix_http.ts";
import { base64, NOT_READY_STATUS, shimConf, type ShimDeps, shimFuncs } from "./shim.ts";

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

/** An answer, an error, or a promise of one (a daemon that answers later, or never). */
type Answer = UnixHttpResponse | Error | Promise<UnixHttpResponse>;

/** The DEL's wait before its /healthz probe. */
const PROBE_AFTER = 12_345;

function fakeDeps(
  answers: Record<string, Answer[]>,
  opts: { slowAnswer?: boolean } = {},
): ShimDeps & { calls: string[] } {
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
    delProbeAfterMs: PROBE_AFTER,
    // The DEL's probe delay passes only when the test says the answer is slow.
    afterMs: (ms, fn) => {
      let armed = ms === PROBE_AFTER && opts.slowAnswer === true;
      queueMicrotask(() => armed && fn());
      return () => armed = false;
    },
  };
}

const never = new Promise<UnixHttpResponse>(() => {});

const ok = (body = ""): UnixHttpResponse => ({ status: 200, headers: {}, body });

Deno.test("shimConf() reads the socket dir with Multus's default", () => {
  assertEquals(shimConf(args("ADD")).socketPath, "/run/multus/multus.sock");
  assertEquals(shimConf(args("ADD", { daemonSocketDir: "/x/" })).socketPath, "/x/multus.sock");
});

Deno.test("shim ADD makes one request when the daemon is ready; prefers the daemon's converted result", async () => {
  const deps = fakeDeps({
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
  assertEquals(deps.calls, ["POST /cni @/run/multus/multus.sock"]);
});

Deno.test("shim ADD waits for /readyz and posts again when the daemon answers that it is not ready", async () => {
  const notReady = {
    status: NOT_READY_STATUS,
    headers: {},
    body: JSON.stringify({ code: 11, msg: "multus-daemon is not ready" }),
  };
  const deps = fakeDeps({
    "/cni": [notReady, ok(JSON.stringify({ Result: { cniVersion: "0.3.1" } }))],
    "/readyz": [{ status: 500, headers: {}, body: "" }, ok()],
  });
  assertEquals((await shimFuncs(deps).add(args("ADD"))).cniVersion, "0.3.1");
  assertEquals(deps.calls.map((c) => c.split(" @")[0]), [
    "POST /cni",
    "GET /readyz",
    "GET /readyz",
    "POST /cni",
  ]);
});

Deno.test("shim ADD waits for /readyz and posts again when nobody listens on the socket yet", async () => {
  for (const kind of ["missing", "refused"] as const) {
    const deps = fakeDeps({
      "/cni": [
        new UnixHttpError(kind, "dial unix: connect: ..."),
        ok(JSON.stringify({ Result: { cniVersion: "0.3.1" } })),
      ],
      "/readyz": [new UnixHttpError(kind, "dial unix: connect: ..."), ok()],
    });
    assertEquals((await shimFuncs(deps).add(args("ADD"))).cniVersion, "0.3.1");
    assertEquals(deps.calls.map((c) => c.split(" @")[0]), [
      "POST /cni",
      "GET /readyz",
      "GET /readyz",
      "POST /cni",
    ]);
  }
});

Deno.test("shim ADD does not post twice when the daemon went away in the middle of its answer", async () => {
  const deps = fakeDeps({
    "/cni": [
      new UnixHttpError("closed", "POST http://dummy/cni: the server closed the connection"),
    ],
    "/readyz": [ok()],
  });
  const err = await assertRejects(() => shimFuncs(deps).add(args("ADD")), CniError);
  assertEquals(err.code, 11);
  assertStringIncludes(err.message, "multus-daemon went away before it answered");
  assertEquals(deps.calls.map((c) => c.split(" @")[0]), ["POST /cni"]);
});

Deno.test("shim ADD returns Go Multus's 1.0.0 Result for the skel to convert", async () => {
  const deps = fakeDeps({
    "/cni": [
      ok(JSON.stringify({ Result: { cniVersion: "1.0.0", ips: [{ address: "10.1.0.2/24" }] } })),
    ],
  });
  assertEquals((await shimFuncs(deps).add(args("ADD"))).cniVersion, "1.0.0");
});

Deno.test("shim ADD keeps the daemon's CNI error code and prefixes the message", async () => {
  const deps = fakeDeps({
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

Deno.test("shim DEL makes one request when the daemon answers", async () => {
  const deps = fakeDeps({ "/cni": [ok()] });
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(deps.calls, ["POST /cni @/run/multus/multus.sock"]);
});

Deno.test("shim DEL succeeds without waiting when the daemon is gone", async () => {
  const deps = fakeDeps({});
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(deps.calls.length, 1, "one request, no polling");
});

Deno.test("shim DEL reports a delegate failure the daemon answers with", async () => {
  const deps = fakeDeps({
    "/cni": [{
      status: 400,
      headers: {},
      body: JSON.stringify({ code: 999, msg: "errors: Link not found" }),
    }],
  });
  const err = await assertRejects(() => shimFuncs(deps).del(args("DEL")), CniError);
  assertEquals(err.message, "CmdDel (shim): errors: Link not found");
});

Deno.test("shim DEL runs the DEL on the node when nobody listens, once, without polling", async () => {
  const deps = fakeDeps({});
  const local: string[] = [];
  deps.localDel = (a) => {
    local.push(a.containerId);
    return Promise.resolve();
  };
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(deps.calls, ["POST /cni @/run/multus/multus.sock"]);
  assertEquals(local, ["c1"]);
});

Deno.test("shim DEL probes /healthz when the answer is slow and runs the DEL on the node when the probe gets no answer", async () => {
  const deps = fakeDeps({
    "/cni": [never],
    "/healthz": [new UnixHttpError("timeout", "GET http://dummy/healthz: no answer in time")],
  }, { slowAnswer: true });
  let local = 0;
  deps.localDel = () => {
    local++;
    return Promise.resolve();
  };
  await shimFuncs(deps).del(args("DEL"));
  assertEquals(deps.calls.map((c) => c.split(" @")[0]), ["POST /cni", "GET /healthz"]);
  assertEquals(local, 1);
});

Deno.test("shim DEL keeps waiting for a slow answer while /healthz answers, and reports it", async () => {
  let answer!: (res: UnixHttpResponse) => void;
  const later = new Promise<UnixHttpResponse>((resolve) => answer = resolve);
  const deps = fakeDeps({
    "/cni": [later],
    "/healthz": [ok()],
  }, { slowAnswer: true });
  deps.localDel = () => Promise.reject(new Error("must not run"));
  const request = deps.request;
  deps.request = async (socket, req) => {
    const res = await request(socket, req);
    if (req.path === "/healthz") {
      answer({ status: 400, headers: {}, body: JSON.stringify({ code: 11, msg: "errors: slow" }) });
    }
    return res;
  };
  const err = await assertRejects(() => shimFuncs(deps).del(args("DEL")), CniError);
  assertEquals([err.code, err.message], [11, "CmdDel (shim): errors: slow"]);
  assertEquals(deps.calls.map((c) => c.split(" @")[0]), ["POST /cni", "GET /healthz"]);
});

Deno.test("shim DEL runs the DEL on the node when /cni cannot be sent, and not when the daemon answered", async () => {
  const deps = fakeDeps({
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
