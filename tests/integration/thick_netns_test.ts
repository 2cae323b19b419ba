/**
 * multus-daemon refuses its own and the host's network namespace by itself (issue 10,
 * point 2), for a request from a shim that does not check (Go Multus's shim, a
 * dynamic-attachment controller): `POST /cni` and `POST /delegate` straight to the real
 * `dist/bin/multus-daemon` socket, ADD and DEL, answer code 8 and run no delegate.
 */
import { assert, assertEquals, assertStringIncludes } from "../support/assert.ts";
import { hostLinkExists, linksIn, requireRoot } from "../support/netns.ts";
import { filesUnder, recorded } from "../support/cni_runtime.ts";
import { type DaemonEnv, daemonEnv } from "../support/daemon_env.ts";
import type { TestPod } from "../support/multus_env.ts";

function body(env: DaemonEnv, opts: {
  command: "ADD" | "DEL";
  pod: TestPod;
  netns: string;
  config: Record<string, unknown>;
}): string {
  return JSON.stringify({
    env: {
      CNI_COMMAND: opts.command,
      CNI_CONTAINERID: "ctr-daemon-hostns",
      CNI_NETNS: opts.netns,
      CNI_IFNAME: "eth0",
      CNI_PATH: env.cniPath,
      CNI_ARGS:
        `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${opts.pod.name};K8S_POD_UID=${opts.pod.uid}`,
    },
    config: btoa(JSON.stringify(opts.config)),
  });
}

Deno.test("thick: the daemon refuses CNI_NETNS of its own or the host's namespace on /cni and /delegate (code 8), running nothing", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const record = env.recorderNad("default", "rec");
  const pod = env.pod("hostns", { "k8s.v1.cni.cncf.io/networks": "rec" });
  const hostPaths = [
    "/proc/self/ns/net", // resolved by the daemon: its own
    `/proc/${env.daemon.pid}/ns/net`,
    `/proc/${Deno.pid}/ns/net`, // the runtime's (this test's) namespace: the host's
  ];
  const bridge = env.bridgeName();
  const delegateConf = {
    cniVersion: "1.0.0",
    name: "hotnet",
    type: "bridge",
    bridge,
    ipam: { type: "host-local", subnet: "10.244.0.0/24", dataDir: env.ipamDir },
  };
  for (const netns of hostPaths) {
    for (const command of ["ADD", "DEL"] as const) {
      for (
        const [path, config] of [
          ["/cni", env.shimConf()],
          ["/delegate", delegateConf],
        ] as const
      ) {
        const res = await env.request("POST", path, body(env, { command, pod, netns, config }));
        assertEquals(res.status, 400, `${command} ${path} ${netns}: ${res.body}`);
        const err = JSON.parse(res.body) as { code: number; msg: string; details?: string };
        assertEquals(err.code, 8, res.body);
        assertEquals(err.msg, "plugin's netns and netns from CNI_NETNS should not be the same");
        assertStringIncludes(err.details ?? "", JSON.stringify(netns));
      }
    }
  }
  assertEquals(await recorded(record), [], "no delegate ran");
  assert(!(await hostLinkExists(env.clusterBridge)), "no cluster bridge on the host");
  assert(!(await hostLinkExists(bridge)), "no delegate bridge on the host");
  assertEquals(await env.leases(), []);
  assertEquals(await filesUnder(env.cniDir), []);

  // The pod's own namespace is accepted on the same socket.
  const ok = await env.request(
    "POST",
    "/cni",
    body(env, { command: "ADD", pod, netns: env.netns.path, config: env.shimConf() }),
  );
  assertEquals(ok.status, 200, ok.body);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname).sort(), ["eth0", "lo"]);
  assertEquals((await recorded(record)).map((c) => c.command), ["ADD"]);
  const del = await env.request(
    "POST",
    "/cni",
    body(env, { command: "DEL", pod, netns: env.netns.path, config: env.shimConf() }),
  );
  assertEquals(del.status, 200, del.body);
  assertEquals(await env.leases(), []);
});
