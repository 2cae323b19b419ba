/**
 * A fresh thin node, end to end through `dist/bin/multus`: `multus install --type thin
 * --multus-conf-file auto` run as the DaemonSet's init container runs it (in a pod: the
 * service-account token and CA, `KUBERNETES_SERVICE_HOST`), then the plugin it installed
 * run by "kubelet" with the config and kubeconfig the install wrote, against the
 * Kubernetes API double.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { linksIn, requireRoot } from "../support/netns.ts";
import { DIST_BIN } from "../support/dist.ts";
import { type MultusEnv, multusEnv, TEST_TOKEN } from "../support/multus_env.ts";

interface Node {
  binDir: string;
  confDir: string;
  saDir: string;
}

async function freshNode(env: MultusEnv, token: string): Promise<Node> {
  const node = {
    binDir: `${env.root}/node/opt/cni/bin`,
    confDir: `${env.root}/node/etc/cni/net.d`,
    saDir: `${env.root}/node/serviceaccount`,
  };
  for (const d of Object.values(node)) await Deno.mkdir(d, { recursive: true });
  await Deno.writeTextFile(`${node.saDir}/token`, token);
  await Deno.writeTextFile(`${node.saDir}/ca.crt`, env.api.caPem ?? "");
  // The primary CNI's config: the fixture's cluster network.
  await Deno.copyFile(`${env.confDir}/10-cluster.conflist`, `${node.confDir}/10-cluster.conflist`);
  return node;
}

async function install(env: MultusEnv, node: Node, extra: string[] = []) {
  const api = new URL(env.api.url);
  const out = await new Deno.Command(`${DIST_BIN}/multus`, {
    args: [
      "install",
      "--type=thin",
      `--dest-dir=${node.binDir}`,
      "--multus-conf-file=auto",
      `--cni-conf-dir=${node.confDir}`,
      `--multus-autoconfig-dir=${node.confDir}`,
      `--multus-kubeconfig-file-host=${node.confDir}/multus.d/multus.kubeconfig`,
      `--service-account-dir=${node.saDir}`,
      ...extra,
    ],
    clearEnv: true,
    env: {
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
      KUBERNETES_SERVICE_HOST: api.hostname,
      KUBERNETES_SERVICE_PORT: api.port,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/**
 * The plugin's stdin as libcni builds it from the generated conflist: the list's name and
 * cniVersion injected into its one plugin. The scratch cache goes to the fixture's dir.
 */
async function pluginConf(env: MultusEnv, node: Node): Promise<Record<string, unknown>> {
  const list = JSON.parse(await Deno.readTextFile(`${node.confDir}/00-multus.conflist`)) as {
    cniVersion: string;
    name: string;
    plugins: Array<Record<string, unknown>>;
  };
  assertEquals(list.plugins.length, 1);
  return { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0], cniDir: env.cniDir };
}

Deno.test("multus install (thin, auto) writes a kubeconfig and config the installed plugin attaches NADs with", async () => {
  requireRoot();
  await using env = await multusEnv();
  const node = await freshNode(env, TEST_TOKEN);
  const res = await install(env, node);
  assertEquals(res.code, 0, res.stdout + res.stderr);
  assert(
    res.stdout.includes(`multus kubeconfig ${node.confDir}/multus.d/multus.kubeconfig written`),
  );
  assertEquals(
    (await Deno.stat(`${node.confDir}/multus.d/multus.kubeconfig`)).mode! & 0o777,
    0o600,
  );
  // Both files the runtime and kubelet will use came from the install.
  assertEquals((await Deno.stat(`${node.binDir}/multus`)).isFile, true);
  const conf = await pluginConf(env, node);
  assertEquals(conf.type, "multus");
  assertEquals(conf.kubeconfig, `${node.confDir}/multus.d/multus.kubeconfig`);

  env.bridgeNad("default", "blue", "10.241.0.0/24");
  const pod = env.pod("installed", { "k8s.v1.cni.cncf.io/networks": "blue" });
  const add = await env.cni({ command: "ADD", pod, containerId: "ctr-installed", conf });
  assertEquals(add.code, 0, add.stdout + add.stderr);
  const names = (await linksIn(env.netns.name)).map((l) => l.ifname).sort();
  assertEquals(names, ["eth0", "lo", "net1"]);
  const status = env.networkStatus(pod);
  assertEquals(status?.length, 2, "network-status written with the installed kubeconfig");
  assertEquals(status?.[0]?.default, true);
  assertEquals(status?.[1]?.name, "default/blue");
  assertEquals(status?.[1]?.interface, "net1");
  const del = await env.cni({ command: "DEL", pod, containerId: "ctr-installed", conf });
  assertEquals(del.code, 0, del.stdout + del.stderr);
  assertEquals((await linksIn(env.netns.name)).map((l) => l.ifname), ["lo"]);
});

Deno.test("multus install --kubeconfig-token-file: the plugin reads the rotating token file, not the install-time token", async () => {
  requireRoot();
  await using env = await multusEnv();
  // The token the install saw has since expired; the kubelet-rotated file holds a good one.
  const node = await freshNode(env, "expired-token");
  // The kubelet's projected volume: token -> ..data/token, ..data -> a timestamped dir,
  // rotated by writing a new dir and renaming a new ..data link over the old one.
  const volume = `${env.root}/node/kubernetes.io~projected/multus-token`;
  const project = async (dir: string, token: string): Promise<void> => {
    await Deno.mkdir(`${volume}/${dir}`, { recursive: true });
    await Deno.writeTextFile(`${volume}/${dir}/token`, token);
    await Deno.symlink(dir, `${volume}/..data_tmp`);
    await Deno.rename(`${volume}/..data_tmp`, `${volume}/..data`);
  };
  await project("..2026_11_27_01", "not-yet-rotated");
  await Deno.symlink("..data/token", `${volume}/token`);
  const rotated = `${volume}/token`;
  const res = await install(env, node, [`--kubeconfig-token-file=${rotated}`]);
  assertEquals(res.code, 0, res.stdout + res.stderr);
  const conf = await pluginConf(env, node);
  const pod = env.pod("rotating");

  const before = await env.cni({ command: "ADD", pod, containerId: "ctr-rot", conf });
  assertEquals(before.code, 1, "a token the API refuses fails the ADD");
  assert(before.stdout.includes("Unauthorized"), before.stdout);
  assert(!before.stdout.includes("not-yet-rotated"), "the token never reaches the error");

  await project("..2026_11_27_02", TEST_TOKEN); // the kubelet rotates the token
  const after = await env.cni({ command: "ADD", pod, containerId: "ctr-rot", conf });
  assertEquals(after.code, 0, after.stdout + after.stderr);
  assertEquals(
    (await env.cni({ command: "DEL", pod, containerId: "ctr-rot", conf })).code,
    0,
  );
});

Deno.test("multus install (thin, auto) in a pod without a token fails naming the file, and writes no config", async () => {
  requireRoot();
  await using env = await multusEnv();
  const node = await freshNode(env, TEST_TOKEN);
  await Deno.remove(`${node.saDir}/token`);
  const res = await install(env, node);
  assertEquals(res.code, 1);
  assertEquals(
    res.stderr,
    `failed to create multus kubeconfig: ${node.saDir}/token does not exist (is the service account token mounted?)\n`,
  );
  const files = (await Array.fromAsync(Deno.readDir(node.confDir))).map((e) => e.name);
  assertEquals(files, ["10-cluster.conflist"]);
});
