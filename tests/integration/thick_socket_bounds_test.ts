/**
 * The daemon socket's bounds, through the real `dist/bin/multus-daemon` and its real
 * unix socket: request bodies past `maxRequestBytes`, clients that send half a request
 * and stall, idle connections, and more connections than `maxConnections`. Timing
 * assertions are generous (3x the configured timeout and more): machines are noisy.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { type DaemonEnv, daemonEnv } from "../support/daemon_env.ts";
import { waiter } from "../support/eventually.ts";

const MiB = 1024 * 1024;

const eventually = waiter({ ms: 60_000, pollMs: 100 });

/** The daemon's own process: the fixture's child, or the runtime it started. */
async function daemonProcess(pid: number): Promise<number> {
  const children = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
  const child = Number(children.trim().split(/\s+/)[0]);
  return Number.isInteger(child) && child > 0 ? child : pid;
}

async function status(pid: number, key: "VmRSS" | "VmHWM"): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  assert(Number.isFinite(kb), `${key} of ${pid}`);
  return kb * 1024;
}

async function openFds(pid: number): Promise<number> {
  let n = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) n++;
  return n;
}

function socketPath(env: DaemonEnv): string {
  return `${env.socketDir}multus.sock`;
}

type Stalled = Awaited<ReturnType<typeof stall>>;

/** POSTs the file `body` with curl (as a length-known or a chunked body). */
async function postFile(
  env: DaemonEnv,
  path: string,
  body: string,
  chunked = false,
): Promise<{ status: number; body: string }> {
  const args = ["-s", "-o", "-", "-w", "\n%{http_code}", "--unix-socket", socketPath(env)];
  if (chunked) args.push("-H", "transfer-encoding: chunked");
  args.push("-H", "content-type: application/json", "--data-binary", `@${body}`);
  args.push(`http://dummy${path}`);
  const out = await new Deno.Command("curl", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  const nl = text.lastIndexOf("\n");
  return { status: Number(text.slice(nl + 1)) || 0, body: text.slice(0, nl) };
}

/** A connection that sends `head` and then nothing; `closed` resolves at the daemon's EOF. */
async function stall(socket: string, head: string) {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  await conn.write(new TextEncoder().encode(head));
  const closed = (async () => {
    const buf = new Uint8Array(4096);
    try {
      while ((await conn.read(buf)) !== null) { /* the daemon's answer, if any */ }
    } catch {
      // reset: closed as well
    }
  })();
  let isClosed = false;
  closed.then(() => isClosed = true);
  return {
    closed,
    isClosed: () => isClosed,
    close: () => {
      try {
        conn.close();
      } catch {
        // already closed
      }
    },
  };
}

async function shimAddDel(env: DaemonEnv, name: string): Promise<void> {
  const pod = env.pod(name);
  const add = await env.shim({ command: "ADD", pod, containerId: `ctr-${name}` });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  assert((await linksIn(env.netns.name)).some((l) => l.ifname === "eth0"));
  const del = await env.shim({ command: "DEL", pod, containerId: `ctr-${name}` });
  assertEquals(del.code, 0, del.stdout + del.stderr);
}

Deno.test("thick: a body past maxRequestBytes is refused with CNI error 6 and never held; the daemon keeps serving", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const pid = await daemonProcess(env.daemon.pid);
  await shimAddDel(env, "warm");
  const before = await status(pid, "VmRSS");
  const big = `${env.root}/big.json`;
  // 37 MB, as the probe that took the daemon past its 384Mi limit.
  await Deno.writeTextFile(big, `{"env":{},"config":"${"A".repeat(37_000_000)}"}`);
  for (let i = 0; i < 20; i++) {
    const chunked = i % 2 === 1;
    const res = await postFile(env, i % 4 < 2 ? "/cni" : "/delegate", big, chunked);
    assertEquals(res.status, 400, res.body);
    const err = JSON.parse(res.body);
    assertEquals(err.code, 6);
    assertEquals(
      err.msg,
      chunked
        ? "could not decode the CNI request: its body is larger than 1048576 bytes (maxRequestBytes)"
        : `could not decode the CNI request: its body of ${
          (await Deno.stat(big)).size
        } bytes is larger than 1048576 bytes (maxRequestBytes)`,
    );
  }
  const after = await status(pid, "VmRSS");
  const peak = await status(pid, "VmHWM");
  // 20 x 37 MB went by; a daemon that buffered one of them would have grown by more than
  // that. The DaemonSet's limit is 384Mi.
  assert(after - before < 32 * MiB, `RSS grew from ${before} to ${after}`);
  assert(peak < 384 * MiB, `peak RSS ${peak}`);
  await shimAddDel(env, "after");
  assertStringIncludes(env.daemon.log(), "larger than 1048576 bytes");
});

Deno.test("thick: 50 half-sent requests are closed after requestTimeoutSeconds, their fds released, while a shim ADD works", async () => {
  requireRoot();
  const timeoutS = 3;
  await using env = await daemonEnv({ config: { requestTimeoutSeconds: timeoutS } });
  const pid = await daemonProcess(env.daemon.pid);
  const base = await openFds(pid);
  const stalled: Stalled[] = [];
  const opened = Date.now();
  for (let i = 0; i < 50; i++) {
    stalled.push(
      await stall(
        socketPath(env),
        i % 2 === 0
          ? "POST /cni HTTP/1.1\r\nHost: dummy\r\nContent-Le"
          : 'POST /cni HTTP/1.1\r\nHost: dummy\r\nContent-Length: 4096\r\n\r\n{"env":{',
      ),
    );
  }
  try {
    await eventually("the daemon holds the 50 connections", async () => {
      return (await openFds(pid)) >= base + 50;
    }, 10_000);
    await shimAddDel(env, "meanwhile");
    await eventually("every stalled client is disconnected", () => {
      return stalled.every((s) => s.isClosed());
    }, Math.max(3 * timeoutS * 1000 - (Date.now() - opened), 1000) + 30_000);
    await eventually("the daemon's fds are released", async () => {
      return (await openFds(pid)) <= base + 2;
    }, 3 * timeoutS * 1000);
    assertEquals((await env.request("GET", "/readyz")).status, 200);
  } finally {
    for (const s of stalled) s.close();
  }
});

Deno.test("thick: a connection carries one request and is closed after it; an idle one is closed after the timeout", async () => {
  requireRoot();
  const timeoutS = 1;
  await using env = await daemonEnv({ config: { requestTimeoutSeconds: timeoutS } });
  const kept = await stall(
    socketPath(env),
    "GET /healthz HTTP/1.1\r\nHost: dummy\r\nConnection: keep-alive\r\n\r\n",
  );
  await eventually("the kept-alive connection is closed after its answer", kept.isClosed, 5_000);
  const idle = await stall(socketPath(env), "");
  await eventually("the idle connection is closed", idle.isClosed, 3 * timeoutS * 1000 + 5_000);
  kept.close();
  idle.close();
});

Deno.test("thick: the work a request starts is not timed: an ADD slower than requestTimeoutSeconds succeeds", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { requestTimeoutSeconds: 1 } });
  const record = env.recorderNad("default", "slow", { sleep: { ADD: 4 } });
  const pod = env.pod("slowpod", { "k8s.v1.cni.cncf.io/networks": "slow" });
  const add = await env.shim({ command: "ADD", pod, containerId: "ctr-slow" });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  assertStringIncludes(await Deno.readTextFile(record), "ADD");
  const del = await env.shim({ command: "DEL", pod, containerId: "ctr-slow" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
});

Deno.test("thick: a connection beyond maxConnections gets CNI error 11 and is closed; fds stay bounded", async () => {
  requireRoot();
  await using env = await daemonEnv({ config: { maxConnections: 10, requestTimeoutSeconds: 60 } });
  const pid = await daemonProcess(env.daemon.pid);
  const base = await openFds(pid);
  const held: Stalled[] = [];
  for (let i = 0; i < 30; i++) held.push(await stall(socketPath(env), "GET /readyz HTTP/1.1\r\n"));
  try {
    await eventually("20 connections refused", () => {
      return held.filter((s) => s.isClosed()).length === 20;
    }, 15_000);
    // A refused connection lingers a moment (so its client can read the answer).
    await eventually("the daemon holds at most maxConnections", async () => {
      return (await openFds(pid)) <= base + 10 + 2;
    }, 10_000);
    const res = await env.request("POST", "/cni", "{}");
    assertEquals(res.status, 400);
    assertEquals(JSON.parse(res.body), {
      code: 11,
      msg: "multus-daemon is busy: 10 connections are open (maxConnections); try again later",
    });
  } finally {
    for (const s of held) s.close();
  }
  await eventually("the daemon serves again", async () => {
    return (await env.request("GET", "/readyz")).status === 200;
  }, 10_000);
});
