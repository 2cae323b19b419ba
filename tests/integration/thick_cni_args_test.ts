/**
 * What a delegate's `CNI_ARGS` holds in thick mode: each key once, as Go Multus's daemon
 * sends them (issue 9, point 7), through `dist/bin/multus-shim` and
 * `dist/bin/multus-daemon` with the recording test plugin.
 */
import { assertEquals } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { recorded } from "../support/cni_runtime.ts";
import { daemonEnv } from "../support/daemon_env.ts";

function pairs(cniArgs: string | undefined): string[] {
  return (cniArgs ?? "").split(";");
}

Deno.test("thick: a delegate's CNI_ARGS carry each key once on ADD and DEL, the runtime's own keys kept", async () => {
  requireRoot();
  await using env = await daemonEnv();
  const record = env.recorderNad("default", "rec");
  const pod = env.pod("once", { "k8s.v1.cni.cncf.io/networks": "rec" });
  // What containerd sends, plus a key of its own.
  const runtimeArgs = [
    "IgnoreUnknown=1",
    "K8S_POD_NAMESPACE=default",
    "K8S_POD_NAME=once",
    "K8S_POD_INFRA_CONTAINER_ID=ctr-once",
    `K8S_POD_UID=${pod.uid}`,
    "EXTRA=x",
  ].join(";");
  const call = { pod, containerId: "ctr-once", env: { CNI_ARGS: runtimeArgs } };
  const add = await env.shim({ command: "ADD", ...call });
  assertEquals(add.code, 0, add.stdout + add.stderr + env.daemon.log());
  const del = await env.shim({ command: "DEL", ...call });
  assertEquals(del.code, 0, del.stdout + del.stderr + env.daemon.log());
  const expected = [
    "IgnoreUnknown=true",
    "K8S_POD_NAMESPACE=default",
    "K8S_POD_NAME=once",
    "K8S_POD_INFRA_CONTAINER_ID=ctr-once",
    `K8S_POD_UID=${pod.uid}`,
    "EXTRA=x",
  ];
  const calls = await recorded(record);
  assertEquals(calls.map((c) => c.command), ["ADD", "DEL"]);
  for (const c of calls) assertEquals(pairs(c.env.CNI_ARGS), expected, c.command);
});
