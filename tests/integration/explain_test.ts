/**
 * `multus explain` through `dist/bin/multus`: offline from pod and NAD files (bridge and
 * macvlan NADs, ips/mac, default-route, a missing NAD, a duplicate interface name, a
 * missing plugin binary), and online against the API double, where it must make GETs
 * only and print exactly the configs and CNI_ARGS a real thin ADD then gives the
 * recording plugin.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { requireRoot } from "../support/netns.ts";
import { recorded } from "../support/cni_runtime.ts";
import { runDist } from "../support/dist.ts";
import { multusEnv, NETWORKS } from "../support/multus_env.ts";

interface Attachment {
  network: string;
  ifName: string;
  isDefault: boolean;
  defaultRoute: boolean;
  resolved: boolean;
  types: string[];
  cniArgs: string;
  runtimeConfig: Record<string, unknown>;
  plugins: Array<{ type: string; path: string | null; config: Record<string, unknown> }>;
}

interface Explained {
  ok: boolean;
  attachments: Attachment[];
  errors: Array<{ code: number; msg: string }>;
}

async function writeJson(path: string, value: unknown): Promise<string> {
  await Deno.writeTextFile(path, JSON.stringify(value));
  return path;
}

Deno.test("multus explain -f reports every attachment and every error the ADD would meet, touching nothing", async () => {
  requireRoot();
  await using env = await multusEnv();
  const conf = await writeJson(`${env.root}/00-multus.conf`, env.conf());
  const nad = (name: string, config: Record<string, unknown>, namespace?: string) => ({
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { config: JSON.stringify({ cniVersion: "1.0.0", ...config }) },
  });
  const nads = [
    nad("blue", {
      type: "bridge",
      bridge: "cnibr-explain",
      capabilities: { ips: true, mac: true },
      ipam: { type: "static" },
    }),
    nad("mv", {
      type: "macvlan",
      master: "eth0",
      ipam: { type: "host-local", subnet: "10.9.0.0/24" },
    }),
  ];
  // A YAML stream of two documents, the second a List.
  await Deno.writeTextFile(
    `${env.root}/nads.yaml`,
    `${JSON.stringify(nads[0])}\n---\n${
      JSON.stringify({ kind: "List", items: [nads[1], nad("odd", { type: "nosuch-plugin" })] })
    }\n`,
  );
  const annotation = JSON.stringify([
    { name: "blue", ips: ["10.241.0.7/24"], mac: "02:00:00:00:00:07" },
    { name: "mv", "default-route": ["10.9.0.1"] },
    { name: "missing" },
    { name: "odd" },
    { name: "mv", interface: "net1" },
  ]);
  await Deno.writeTextFile(
    `${env.root}/pod.yaml`,
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\n  uid: u-1\n` +
      `  annotations:\n    ${NETWORKS}: '${annotation}'\nspec:\n  nodeName: node1\n`,
  );
  const args = ["explain", "-f", `${env.root}/pod.yaml`, "-f", `${env.root}/nads.yaml`];
  const out = await runDist("multus", {
    args: [...args, "--config", conf, "-o", "json", "--cni-path", env.cniPath],
  });
  assertEquals(out.code, 1, out.stdout + out.stderr);
  const x = out.json as Explained;
  assertEquals(x.ok, false);
  assertEquals(
    x.attachments.map((a) => [a.network, a.ifName, a.resolved, a.types.join("+"), a.defaultRoute]),
    [
      ["cluster", "eth0", true, "bridge", false],
      ["default/blue", "net1", true, "bridge", false],
      ["default/mv", "net2", true, "macvlan", true],
      ["default/missing", "net3", false, "", false],
      ["default/odd", "net4", true, "nosuch-plugin", false],
      ["default/mv", "net1", true, "macvlan", false],
    ],
  );
  const blue = x.attachments[1]!;
  assertEquals(blue.runtimeConfig, { ips: ["10.241.0.7/24"], mac: "02:00:00:00:00:07" });
  assertEquals(blue.plugins[0]!.path, "/usr/lib/cni/bridge");
  assertEquals(blue.plugins[0]!.config.runtimeConfig, blue.runtimeConfig);
  assertEquals(blue.plugins[0]!.config.name, "blue");
  assert(blue.cniArgs.endsWith(";MAC=02:00:00:00:00:07;IP=10.241.0.7/24"), blue.cniArgs);
  assertEquals(x.attachments[4]!.plugins[0]!.path, null);
  const msgs = x.errors.map((e) => e.msg);
  assertEquals(msgs.length, 3, msgs.join("\n"));
  assertEquals(
    msgs[0],
    'Multus: [default/web/u-1]: error loading k8s delegates k8s args: TryLoadPodDelegates: error in getting k8s network for pod: GetNetworkDelegates: failed getting the delegate: getKubernetesDelegate: cannot find a network-attachment-definition (missing) in namespace (default): network-attachment-definitions.k8s.cni.cncf.io "missing" not found',
  );
  assertEquals(
    msgs[1],
    'Multus: [default/web/u-1]: interface name "net1" is requested by network "default/blue" and by network "default/mv"; each attachment needs its own name',
  );
  assert(
    msgs[2]!.startsWith(
      '[default/web/u-1:odd]: error adding container to network "odd": failed to find plugin "nosuch-plugin" in path [/usr/lib/cni ',
    ),
    msgs[2],
  );
  // Nothing written: no scratch cache, no result cache, no bridge.
  assertEquals(await Deno.stat(env.cniDir).then(() => true, () => false), false);

  const text = await runDist("multus", { args: [...args, "--config", conf] });
  assertEquals(text.code, 1);
  assert(/^3\s+default\/missing\s+net3\s+\(not resolved\)/m.test(text.stdout), text.stdout);
  assert(text.stdout.includes("The ADD would fail with 3 error(s):"), text.stdout);

  const usage = await runDist("multus", { args: ["explain"] });
  assertEquals(usage.code, 2);
  assert(usage.stderr.includes("give NAMESPACE/POD or -f pod.yaml"), usage.stderr);
  const help = await runDist("multus", { args: ["help", "explain"] });
  assertEquals(help.code, 0);
  assert(help.stdout.startsWith("Usage: multus explain"), help.stdout);
});

Deno.test("multus explain ns/pod reads the API with GETs only and prints what a real ADD then passes each delegate", async () => {
  requireRoot();
  await using env = await multusEnv();
  const red = env.recorderNad("default", "red", { capabilities: { ips: true, mac: true } });
  const green = env.recorderNad("team", "green", {}, undefined);
  const pod = env.pod("rec", {
    [NETWORKS]: JSON.stringify([
      { name: "red", ips: ["10.5.0.9/24"], mac: "02:00:00:00:00:09", "cni-args": { a: "b" } },
      { name: "green", namespace: "team", interface: "g0", "default-route": ["10.6.0.1"] },
    ]),
  });
  const conf = await writeJson(`${env.root}/00-multus.conf`, env.conf());
  const before = env.api.requests().length;
  const out = await runDist("multus", {
    args: [
      "explain",
      `${pod.namespace}/${pod.name}`,
      "--config",
      conf,
      "-o",
      "json",
      "--container-id",
      "ctr-explain",
      "--netns",
      env.netns.path,
    ],
    env: { CNI_PATH: env.cniPath },
  });
  assertEquals(out.code, 0, out.stdout + out.stderr);
  const made = env.api.requests().slice(before);
  assertEquals(made.map((r) => [r.method, r.resource, r.name]), [
    ["GET", "pods", "rec"],
    ["GET", "network-attachment-definitions", "red"],
    ["GET", "network-attachment-definitions", "green"],
  ]);
  const x = out.json as Explained;
  assertEquals(x.errors, []);
  assertEquals(x.attachments.map((a) => [a.network, a.ifName, a.defaultRoute]), [
    ["cluster", "eth0", false],
    ["default/red", "net1", false],
    ["team/green", "g0", true],
  ]);

  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-explain" });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  for (const [i, file] of [[1, red], [2, green]] as const) {
    const calls = (await recorded(file)).filter((c) => c.command === "ADD");
    assertEquals(calls.length, 1);
    const a = x.attachments[i]!;
    assertEquals(JSON.parse(calls[0]!.stdin), a.plugins[0]!.config);
    assertEquals(calls[0]!.env.CNI_ARGS, a.cniArgs);
    assertEquals(calls[0]!.env.CNI_IFNAME, a.ifName);
  }
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-explain" });
  assertEquals(del.code, 0, del.stdout + del.stderr);
});
