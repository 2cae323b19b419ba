/**
 * `dist/bin/multus-shim` in front of a stand-in daemon that answers `/readyz` and then
 * dies in the middle of its answer to `POST /cni` (issue 10, point 8): the runtime gets
 * code 11 and a sentence saying the daemon went away, not an HTTP parser's complaint.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { createNetns, requireRoot } from "../support/netns.ts";
import { runDist } from "../support/dist.ts";

/** A unix-socket server: `/readyz` answers 200; `/cni` gets `partial` and a closed socket. */
function dyingDaemon(dir: string, partial: string): AsyncDisposable {
  const listener = Deno.listen({ transport: "unix", path: `${dir}/multus.sock` });
  const encoder = new TextEncoder();
  const serve = async (conn: Deno.Conn): Promise<void> => {
    try {
      const buf = new Uint8Array(65536);
      let head = "";
      while (!head.includes("\r\n\r\n")) {
        const n = await conn.read(buf);
        if (n === null) return;
        head += new TextDecoder().decode(buf.subarray(0, n));
      }
      const answer = head.startsWith("GET /readyz")
        ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        : partial;
      await conn.write(encoder.encode(answer));
    } finally {
      conn.close();
    }
  };
  const loop = (async () => {
    for await (const conn of listener) serve(conn).catch(() => {});
  })().catch(() => {});
  return {
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
    },
  };
}

for (
  const [what, partial, detail] of [
    [
      "in its headers",
      "HTTP/1.1 200 OK\r\nContent-Ty",
      "the server closed the connection after 27 bytes, before the end of the response headers",
    ],
    [
      "in its body",
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"Result":',
      "the server closed the connection after 10 of the 400 bytes of the response body",
    ],
    ["before a byte", "", "the server closed the connection without answering"],
  ]
) {
  Deno.test(`multus-shim ADD says the daemon went away when it dies ${what}, with code 11`, async () => {
    requireRoot();
    const dir = await Deno.makeTempDir({ prefix: "cnitest-gone-" });
    await using netns = await createNetns();
    try {
      await using _daemon = dyingDaemon(dir, partial!);
      const out = await runDist("multus-shim", {
        env: {
          CNI_COMMAND: "ADD",
          CNI_CONTAINERID: "ctr-gone",
          CNI_NETNS: netns.path,
          CNI_IFNAME: "eth0",
          CNI_PATH: "/usr/lib/cni",
          CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=gone",
        },
        stdin: JSON.stringify({
          cniVersion: "1.0.0",
          name: "multus-cni-network",
          type: "multus-shim",
          daemonSocketDir: dir,
        }),
        timeoutMs: 30_000,
      });
      assertEquals(out.code, 1, out.stdout + out.stderr);
      const err = out.json as { code: number; msg: string };
      assertEquals(err.code, 11, out.stdout);
      assertEquals(
        err.msg,
        `CmdAdd (shim): failed to send CNI request: Post "http://dummy/cni": multus-daemon went away before it answered (${detail}); it exited or was killed`,
      );
      assert(!err.msg.includes("malformed"), err.msg);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
