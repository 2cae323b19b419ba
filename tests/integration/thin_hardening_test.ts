/**
 * Input that must be refused before anything runs, and failures that must read right
 * (issue 10, points 5, 7 and 8), through `dist/bin/multus` with real plugins and the API
 * double; `thick_rerun_test.ts` runs them again through shim and daemon.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { recorded } from "../support/cni_runtime.ts";
import { multusEnv, NETWORKS } from "../support/multus_env.ts";
import { testMode } from "../support/test_mode.ts";

async function names(ns: string): Promise<string[]> {
  return (await linksIn(ns)).map((l) => l.ifname).sort();
}

function errorOf(out: { json?: unknown }): { code?: number; msg?: string } {
  return (out.json ?? {}) as { code?: number; msg?: string };
}

const LABEL_RULE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

Deno.test("multus refuses annotation namespaces and names that would change the NAD request path; the API never sees one", async () => {
  requireRoot();
  await using env = await multusEnv();
  const record = env.recorderNad("a", "b");
  env.recorderNad("default", "net-a");
  const crafted: Array<[string, string]> = [
    [
      JSON.stringify([{ name: "net-a", namespace: "a/b" }]),
      `parsePodNetworkAnnotation: invalid namespace "a/b" of network "net-a": ${LABEL_RULE}`,
    ],
    [
      JSON.stringify([{ name: "../../a/b" }]),
      `parsePodNetworkAnnotation: invalid network name "../../a/b": `,
    ],
    [
      JSON.stringify([{ name: "b%2Fnet-a", namespace: "a" }]),
      `parsePodNetworkAnnotation: invalid network name "b%2Fnet-a": `,
    ],
  ];
  for (const [i, [annotation, message]] of crafted.entries()) {
    const pod = env.pod(`crafted-${i}`, { [NETWORKS]: annotation });
    const add = await env.cni({ command: "ADD", pod, containerId: `ctr-crafted-${i}` });
    assertEquals(add.code, 1, add.stdout);
    assertEquals(errorOf(add).code, 7, add.stdout);
    const msg = errorOf(add).msg ?? "";
    assert(
      msg.startsWith(
        `Multus: [default/${pod.name}/${pod.uid}]: error loading k8s delegates k8s args: ${message}`,
      ),
      msg,
    );
  }
  const escaped = env.api.requests((r) =>
    r.namespace === "a" || /%2F|%252F|\/\.\.(\/|$)/i.test(r.path) ||
    r.resource === "network-attachment-definitions" && r.name !== undefined
  );
  assertEquals(escaped.map((r) => `${r.method} ${r.path}`), []);
  assertEquals(await recorded(record), []);
  assertEquals(await names(env.netns.name), ["lo"]);
});

Deno.test("multus refuses more than 64 networks, and an annotation over 64 KiB, before any delegate runs", async () => {
  requireRoot();
  await using env = await multusEnv();
  const record = env.recorderNad("default", "rec");
  const many = env.pod("many", { [NETWORKS]: Array(10_000).fill("rec").join(",") });
  const add = await env.cni({ command: "ADD", pod: many, containerId: "ctr-many" });
  assertEquals([add.code, errorOf(add).code], [1, 7], add.stdout);
  assertEquals(
    errorOf(add).msg,
    `Multus: [default/many/${many.uid}]: error loading k8s delegates k8s args: the ${NETWORKS} annotation requests 10000 networks; a pod may request at most 64`,
  );
  const bigText = JSON.stringify([{ name: "rec", "cni-args": { pad: "x".repeat(70_000) } }]);
  const big = env.pod("big", { [NETWORKS]: bigText });
  const add2 = await env.cni({ command: "ADD", pod: big, containerId: "ctr-big" });
  assertEquals([add2.code, errorOf(add2).code], [1, 7], add2.stdout);
  assert(
    errorOf(add2).msg?.endsWith(
      `the ${NETWORKS} annotation is ${bigText.length} bytes long; at most 65536 bytes are accepted`,
    ),
    add2.stdout,
  );
  assertEquals(await recorded(record), []);
  assertEquals(await names(env.netns.name), ["lo"]);
});

Deno.test("multus names the missing K8S_POD_NAMESPACE or K8S_POD_NAME instead of an internal message", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("args");
  for (
    const [cniArgs, key] of [
      ["IgnoreUnknown=1", "K8S_POD_NAMESPACE"],
      ["IgnoreUnknown=1;K8S_POD_NAMESPACE=default", "K8S_POD_NAME"],
    ]
  ) {
    const add = await env.cni({
      command: "ADD",
      pod,
      containerId: "ctr-args",
      env: { CNI_ARGS: cniArgs! },
    });
    assertEquals([add.code, errorOf(add).code], [1, 4], add.stdout);
    const msg = errorOf(add).msg ?? "";
    const want = testMode() === "thick"
      ? `could not extract the kubernetes runtime args: missing ${key}`
      : `Multus: error getting k8s args: missing ${key}`;
    assert(msg.endsWith(want), msg);
    assert(!msg.includes("engine"), msg);
  }
  assertEquals(await names(env.netns.name), ["lo"]);
});

Deno.test("multus refuses a container ID over 128 characters up front, with libcni's code 4", async () => {
  requireRoot();
  await using env = await multusEnv();
  const pod = env.pod("long-id");
  for (const command of ["ADD", "DEL"] as const) {
    const out = await env.cni({ command, pod, containerId: "c".repeat(300) });
    assertEquals(out.code, 1, out.stdout);
    const { msg, cniVersion: _, ...rest } = out.json as { msg: string; cniVersion?: string };
    assertEquals(rest, {
      code: 4,
      details: "containerID should be at most 128 characters; it is 300",
    });
    // Thick: after the shim's `CmdAdd (shim): ` or `CmdDel (shim): `.
    assert(
      msg === "containerID is too long" || msg.endsWith(" (shim): containerID is too long"),
      msg,
    );
  }
  assertEquals(await names(env.netns.name), ["lo"]);
});

Deno.test("multus leaves no temporary file behind when the scratch cache cannot be written (full disk)", async () => {
  requireRoot();
  await using env = await multusEnv();
  const full = `${env.root}/full`;
  await Deno.mkdir(full);
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=16k", "tmpfs", full],
  })
    .output();
  assert(mount.success, new TextDecoder().decode(mount.stderr));
  try {
    // Fill it up.
    await new Deno.Command("dd", {
      args: ["if=/dev/zero", `of=${full}/filler`, "bs=4k", "count=64"],
    })
      .output();
    const pod = env.pod("full");
    const add = await env.cni({
      command: "ADD",
      pod,
      containerId: "ctr-full",
      conf: env.conf({ cniDir: full }),
    });
    assertEquals(add.code, 1, add.stdout);
    assert(errorOf(add).msg?.includes("error saving the delegates: "), add.stdout);
    const left = [];
    for await (const e of Deno.readDir(full)) left.push(e.name);
    assertEquals(left, ["filler"]);
    assertEquals(await names(env.netns.name), ["lo"]);
  } finally {
    await new Deno.Command("umount", { args: [full] }).output();
  }
});

Deno.test("multus answers code 11 (try again later) when the API server refuses connections", async () => {
  requireRoot();
  await using env = await multusEnv();
  // Thick mode: the daemon starts (and fills its caches) before the outage.
  const warm = await env.cni({ command: "DEL", pod: env.pod("warm"), containerId: "ctr-warm" });
  assertEquals(warm.code, 0, warm.stdout);
  await env.api.setOutage("refuse");
  try {
    const pod = env.pod("outage");
    const add = await env.cni({ command: "ADD", pod, containerId: "ctr-outage" });
    assertEquals([add.code, errorOf(add).code], [1, 11], add.stdout);
    assert(errorOf(add).msg?.includes("error waiting for pod: "), add.stdout);
    assert(errorOf(add).msg?.includes("connection refused"), add.stdout);
  } finally {
    await env.api.setOutage(null);
  }
  assertEquals(await names(env.netns.name), ["lo"]);
});
