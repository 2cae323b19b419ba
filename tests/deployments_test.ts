/**
 * Static checks of `deployments/` (no Docker engine or cluster here): every manifest
 * parses, names and references agree, the RBAC covers what the daemon does, every
 * command and flag is one the code accepts, the configs validate against the published
 * schemas, mounted paths match the configured directories, and the Dockerfile builds
 * and names what `scripts/build.ts` produces.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import yaml from "js-yaml";
import { DAEMON_FLAGS } from "../src/daemon/flags.ts";
import {
  DAEMON_CONFIG_SCHEMA,
  validateDaemonConfig,
  validateMultusCniConfig,
} from "../src/daemon/config_schema.ts";
import { INSTALL_FLAGS } from "../src/install/main.ts";
import { PLUGIN_FILE } from "../src/install/install.ts";
import { KUBECONFIG_SUBPATH, SERVICE_ACCOUNT_DIR } from "../src/install/thin.ts";
import { generateThinConf } from "../src/engine/daemon.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deployments = join(root, "deployments");
const BIN_DIR = "/usr/src/multus-deno/bin";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  mountPropagation?: string;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  volumeMounts?: Mount[];
  env?: Obj[];
  ports?: Obj[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

function read(name: string): string {
  return Deno.readTextFileSync(join(deployments, name));
}

function manifestFiles(): string[] {
  return [...Deno.readDirSync(deployments)]
    .filter((e) => e.isFile && e.name.endsWith(".yml"))
    .map((e) => e.name)
    .sort();
}

function docs(name: string): Obj[] {
  return (yaml.loadAll(read(name)) as unknown[]).filter((d): d is Obj => d !== null);
}

function one(list: Obj[], kind: string, name?: string): Obj {
  const found = list.filter((d) =>
    d.kind === kind && (name === undefined || d.metadata.name === name)
  );
  assertEquals(found.length, 1, `exactly one ${kind} ${name ?? ""}`);
  return found[0]!;
}

/** Names `scripts/build.ts` gives the executable in dist/bin. */
function builtNames(): string[] {
  const build = Deno.readTextFileSync(join(root, "scripts/build.ts"));
  const main = /join\(binDir, "([^"]+)"\)/.exec(build)?.[1];
  const links = /for \(const name of \[([^\]]+)\]\)/.exec(build)?.[1];
  assert(main && links, "scripts/build.ts no longer names its products the way this test reads");
  return [main, ...[...links.matchAll(/"([^"]+)"/g)].map((m) => m[1]!)];
}

function version(): string {
  return (JSON.parse(Deno.readTextFileSync(join(root, "deno.json"))) as { version: string })
    .version;
}

/** `-config x`, `--config=x` -> `config`; the values are not flags. */
function flagNames(args: string[]): string[] {
  return args.filter((a) => a.startsWith("-")).map((a) => a.replace(/^--?/, "").split("=")[0]!);
}

function flagValue(args: string[], name: string): string | undefined {
  for (const [i, a] of args.entries()) {
    const m = /^--?([^=]+)(=(.*))?$/.exec(a);
    if (m?.[1] === name) return m[3] ?? args[i + 1];
  }
  return undefined;
}

/** Where a container path is on the host, through the container's hostPath mounts. */
function hostPath(path: string, c: Container, volumes: Obj[]): string | null {
  const norm = (p: string) => p.replace(/\/+$/, "") || "/";
  let best: Mount | undefined;
  for (const m of c.volumeMounts ?? []) {
    const mp = norm(m.mountPath);
    if (norm(path) === mp || norm(path).startsWith(mp === "/" ? "/" : `${mp}/`)) {
      if (!best || mp.length > norm(best.mountPath).length) best = m;
    }
  }
  if (!best) return null;
  const vol = volumes.find((v) => v.name === best!.name);
  if (!vol?.hostPath) return null;
  const rest = norm(path).slice(norm(best.mountPath).length);
  return norm(`${norm(vol.hostPath.path)}${rest}`);
}

function mountOf(path: string, c: Container): Mount | undefined {
  return (c.volumeMounts ?? []).find((m) =>
    path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, "")}/`)
  );
}

function allows(role: Obj, group: string, resource: string, verb: string): boolean {
  return (role.rules as Obj[]).some((r) =>
    (r.apiGroups.includes(group) || r.apiGroups.includes("*")) &&
    (r.resources.includes(resource) || r.resources.includes("*")) &&
    (r.verbs.includes(verb) || r.verbs.includes("*"))
  );
}

function mebibytes(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  assert(m, `memory quantity ${q}`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

const DAEMONSETS = ["multus-daemonset-thick.yml", "multus-daemonset-thin.yml"];

Deno.test("deployments: every YAML document parses and names its object", () => {
  const files = manifestFiles();
  assertEquals(files, [
    "multus-daemonset-thick.yml",
    "multus-daemonset-thin.yml",
    "network-attachment-definition-crd.yml",
  ]);
  for (const file of files) {
    const list = docs(file);
    assert(list.length > 0, file);
    for (const d of list) {
      assert(typeof d.apiVersion === "string" && typeof d.kind === "string", file);
      assert(typeof d.metadata?.name === "string", `${file}: ${d.kind} has no name`);
    }
  }
});

Deno.test("deployments: the NAD CRD is v1, namespaced, nad/net-attach-def, spec.config a string", () => {
  const crd = one(docs("network-attachment-definition-crd.yml"), "CustomResourceDefinition");
  assertEquals(crd.metadata.name, "network-attachment-definitions.k8s.cni.cncf.io");
  assertEquals(crd.spec.group, "k8s.cni.cncf.io");
  assertEquals(crd.spec.scope, "Namespaced");
  assertEquals(crd.spec.names.kind, "NetworkAttachmentDefinition");
  assertEquals(crd.spec.names.plural, "network-attachment-definitions");
  assertEquals(crd.spec.names.shortNames, ["nad", "net-attach-def"]);
  const [v1] = crd.spec.versions as Obj[];
  assertEquals([v1!.name, v1!.served, v1!.storage], ["v1", true, true]);
  assertEquals(
    v1!.schema.openAPIV3Schema.properties.spec.properties.config.type,
    "string",
  );
  for (const file of DAEMONSETS) {
    assertEquals(one(docs(file), "CustomResourceDefinition"), crd, `${file} carries the same CRD`);
  }
});

for (const file of DAEMONSETS) {
  Deno.test(`deployments: ${file}: service account, RBAC and config map references agree`, () => {
    const list = docs(file);
    const ds = one(list, "DaemonSet");
    const ns = ds.metadata.namespace;
    assertEquals(ns, "kube-system");
    const spec = ds.spec.template.spec;
    const sa = one(list, "ServiceAccount", spec.serviceAccountName);
    assertEquals(sa.metadata.namespace, ns);
    const binding = one(list, "ClusterRoleBinding");
    assertEquals(binding.subjects, [{
      kind: "ServiceAccount",
      name: sa.metadata.name,
      namespace: ns,
    }]);
    const role = one(list, "ClusterRole", binding.roleRef.name);
    for (const verb of ["get", "list", "watch", "update", "patch"]) {
      assert(allows(role, "", "pods", verb), `pods ${verb}`);
      assert(allows(role, "", "pods/status", verb), `pods/status ${verb}`);
    }
    for (const verb of ["get", "list", "watch"]) {
      assert(allows(role, "k8s.cni.cncf.io", "network-attachment-definitions", verb), verb);
    }
    for (const group of ["", "events.k8s.io"]) {
      for (const verb of ["create", "patch", "update"]) {
        assert(allows(role, group, "events", verb), `events ${group} ${verb}`);
      }
    }
    // Selector, volumes, mounts.
    for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) {
      assertEquals(ds.spec.template.metadata.labels[k], v, `selector ${k}`);
    }
    const volumes = spec.volumes as Obj[];
    const used = new Set<string>();
    for (const c of [...spec.initContainers, ...spec.containers] as Container[]) {
      for (const m of c.volumeMounts ?? []) {
        assert(volumes.some((v) => v.name === m.name), `${c.name} mounts unknown volume ${m.name}`);
        used.add(m.name);
      }
    }
    for (const v of volumes) {
      assert(used.has(v.name), `volume ${v.name} is never mounted`);
      if (!v.configMap) continue;
      const cm = one(list, "ConfigMap", v.configMap.name);
      assertEquals(cm.metadata.namespace, ns);
      for (const item of v.configMap.items ?? []) assert(item.key in cm.data, item.key);
    }
    assertEquals(spec.hostNetwork, true);
    assertEquals(spec.terminationGracePeriodSeconds, 30);
    for (const effect of ["NoSchedule", "NoExecute"]) {
      assert(
        (spec.tolerations as Obj[]).some((t) => t.operator === "Exists" && t.effect === effect),
      );
    }
  });

  Deno.test(`deployments: ${file}: our images carry deno.json's version and run built names`, () => {
    const spec = one(docs(file), "DaemonSet").spec.template.spec;
    const names = builtNames();
    const ours = ([...spec.initContainers, ...spec.containers] as Container[])
      .filter((c) => c.image.includes("multus-deno"));
    assert(ours.length >= 1);
    for (const c of ours) {
      assertEquals(c.image, `localhost/multus-deno:${version()}`, c.name);
      const cmd = c.command ?? [];
      assert(cmd[0]?.startsWith(`${BIN_DIR}/`), `${c.name}: ${cmd[0]}`);
      assert(
        names.includes(cmd[0]!.slice(BIN_DIR.length + 1)),
        `${c.name}: ${cmd[0]} is not built`,
      );
      assertEquals(c.args, undefined, `${c.name}: everything in command`);
    }
  });

  Deno.test(`deployments: ${file}: the installer's flags are ones multus install accepts`, () => {
    const type = file.includes("thick") ? "thick" : "thin";
    const init = (one(docs(file), "DaemonSet").spec.template.spec.initContainers as Container[])
      .find((c) => c.name === "install-multus-binary")!;
    const spec = one(docs(file), "DaemonSet").spec.template.spec;
    const [bin, sub, ...args] = init.command!;
    assertEquals([bin, sub], [`${BIN_DIR}/multus`, "install"]);
    const { values } = parseArgs({
      args,
      options: INSTALL_FLAGS,
      strict: true,
      allowPositionals: false,
    });
    assertEquals(values.type, type);
    assertEquals(hostPath(values["dest-dir"]!, init, spec.volumes), "/opt/cni/bin");
    assert(mountOf(values["dest-dir"]!, init)?.mountPropagation === "Bidirectional");
    if (values["multus-conf-file"] === "auto") {
      // Generated from the node's primary config, next to it, naming the kubeconfig the
      // install writes into <cni-conf-dir>/multus.d/ by its path on the node.
      assertEquals(hostPath(values["cni-conf-dir"]!, init, spec.volumes), "/etc/cni/net.d");
      assertEquals(
        hostPath(values["multus-autoconfig-dir"]!, init, spec.volumes),
        "/etc/cni/net.d",
      );
      assertEquals(
        values["multus-kubeconfig-file-host"],
        `${hostPath(values["cni-conf-dir"]!, init, spec.volumes)}/${KUBECONFIG_SUBPATH}`,
      );
      // The token: our projected volume at the service-account path, named by its path on
      // the node, which needs this pod's UID.
      assertEquals(spec.automountServiceAccountToken, false);
      const sa = mountOf(values["service-account-dir"]!, init)!;
      assertEquals(sa.mountPath, SERVICE_ACCOUNT_DIR);
      const vol = (spec.volumes as Obj[]).find((v) => v.name === sa.name)!;
      const sources = vol.projected.sources as Obj[];
      assert(sources.some((x) => x.serviceAccountToken?.path === "token"));
      assert(sources.some((x) => x.configMap?.items?.some((i: Obj) => i.path === "ca.crt")));
      assertEquals(
        values["kubeconfig-token-file"],
        `/var/lib/kubelet/pods/$(POD_UID)/volumes/kubernetes.io~projected/${sa.name}/token`,
      );
      assert(
        init.env?.some((e) =>
          e.name === "POD_UID" && e.valueFrom?.fieldRef?.fieldPath === "metadata.uid"
        ),
        "POD_UID comes from the downward API",
      );
    } else if (values["multus-conf-file"] !== undefined) {
      assertEquals(hostPath(values["cni-conf-dir"]!, init, spec.volumes), "/etc/cni/net.d");
      const m = mountOf(values["multus-conf-file"], init)!;
      const vol = (spec.volumes as Obj[]).find((v) => v.name === m.name)!;
      const item = (vol.configMap.items as Obj[]).find((i) =>
        values["multus-conf-file"] === `${m.mountPath}/${i.path}`
      );
      assert(item, "the config file is an item of the mounted ConfigMap");
    }
  });
}

Deno.test("deployments: thick daemon's flags, config, mounts and resources agree with the code", () => {
  const list = docs("multus-daemonset-thick.yml");
  const spec = one(list, "DaemonSet").spec.template.spec;
  assertEquals(spec.hostPID, true);
  const daemon = (spec.containers as Container[]).find((c) => c.name === "kube-multus")!;
  const volumes = spec.volumes as Obj[];
  const [bin, ...args] = daemon.command!;
  assertEquals(bin, `${BIN_DIR}/multus-daemon`);
  for (const flag of flagNames(args)) assert(flag in DAEMON_FLAGS, `multus-daemon -${flag}`);
  const configPath = flagValue(args, "config")!;
  assertEquals(configPath, DAEMON_FLAGS.config.default);

  // The config file is the ConfigMap's item, and it validates.
  const m = mountOf(configPath, daemon)!;
  assertEquals(m.readOnly, true);
  const vol = volumes.find((v) => v.name === m.name)!;
  const item = (vol.configMap.items as Obj[]).find((i) =>
    configPath === `${m.mountPath}/${i.path}`
  )!;
  const cm = one(list, "ConfigMap", vol.configMap.name);
  const conf = JSON.parse(cm.data[item.key]) as Obj;
  assertEquals(validateDaemonConfig(conf), []);

  // Directories of the config, through the mounts, are the host's.
  const defaults = DAEMON_CONFIG_SCHEMA.properties!;
  const host = (p: string) => hostPath(p, daemon, volumes);
  assertEquals(host(conf.chrootDir), "/");
  assertEquals(host(conf.cniConfigDir), "/etc/cni/net.d");
  assertEquals(host(conf.multusAutoconfigDir), "/etc/cni/net.d");
  // The shim, on the host, finds the socket where the daemon makes it.
  assertEquals(
    host(conf.socketDir),
    (defaults.daemonSocketDir!.default as string).replace(/\/$/, ""),
  );
  // Delegates are exec'd chrooted by their host path: the bin dir must be identical.
  for (const key of ["binDir", "cniDir", "confDir"]) {
    const dir = conf[key] ?? (DAEMON_CONFIG_SCHEMA.definitions![key]!.default as string);
    assertEquals(host(dir), dir, `${key} ${dir} is mounted at its host path`);
  }
  for (const p of ["/run/netns", "/var/lib/kubelet", "/hostroot"]) {
    assertEquals(mountOf(p, daemon)?.mountPropagation, "HostToContainer", p);
  }
  assertEquals(host("/run/k8s.cni.cncf.io"), "/run/k8s.cni.cncf.io");

  // metricsPort is the declared port; the node name comes from the downward API.
  assertEquals(daemon.ports?.find((p) => p.name === "metrics")?.containerPort, conf.metricsPort);
  const env = daemon.env!.find((e) => e.name === "MULTUS_NODE_NAME")!;
  assertEquals(env.valueFrom.fieldRef.fieldPath, "spec.nodeName");
  // The daemon's malloc settings, for an image whose executable does not set them itself.
  const value = (name: string) => daemon.env!.find((e) => e.name === name)?.value;
  assertEquals(value("MALLOC_ARENA_MAX"), "2");
  assertEquals(value("MALLOC_MMAP_THRESHOLD_"), "65536");
  assertEquals(value("MALLOC_TRIM_THRESHOLD_"), "65536");
  assert(Number.isInteger(conf.connectionLimit) && conf.connectionLimit >= 1);

  // Memory: room for the daemon's 100 MiB goal plus connectionLimit delegates.
  const { requests, limits } = daemon.resources!;
  assert(mebibytes(requests!.memory!) >= 100, "the request covers the daemon");
  assert(mebibytes(limits!.memory!) >= 100 + conf.connectionLimit * 20, "limit covers delegates");
  assert(mebibytes(requests!.memory!) <= mebibytes(limits!.memory!));
  // The type the generated config names is the file the installer writes.
  assertEquals(conf.type ?? defaults.type!.default, PLUGIN_FILE.thick);
});

Deno.test("deployments: the thin install's generated config validates and names the thin plugin", () => {
  // What the init container generates on a flannel node, with the manifest's flags.
  const primary = {
    path: "/host/etc/cni/net.d/10-flannel.conflist",
    text: JSON.stringify({
      cniVersion: "0.3.1",
      name: "cbr0",
      plugins: [
        { type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }),
  };
  const init = (one(docs("multus-daemonset-thin.yml"), "DaemonSet").spec.template.spec
    .initContainers as Container[]).find((c) => c.name === "install-multus-binary")!;
  const { values } = parseArgs({ args: init.command!.slice(2), options: INSTALL_FLAGS });
  const out = generateThinConf(primary, { kubeconfig: values["multus-kubeconfig-file-host"]! });
  assertEquals(out.fileName, "00-multus.conf");
  const conf = JSON.parse(out.text) as Obj;
  assertEquals(validateMultusCniConfig(conf), []);
  assertEquals(conf.type, PLUGIN_FILE.thin);
  assertEquals(conf.kubeconfig, "/etc/cni/net.d/multus.d/multus.kubeconfig");
});

function dockerfile(): { text: string; instructions: Array<[string, string]> } {
  const text = read("Dockerfile");
  const lines = text.replace(/\\\n/g, " ").split("\n").filter((l) => l.trim() && !/^\s*#/.test(l));
  return {
    text,
    instructions: lines.map((l) => {
      const m = /^\s*([A-Z]+)\s+(.*)$/.exec(l);
      assert(m, `not an instruction: ${l}`);
      return [m[1]!, m[2]!.replace(/\s+/g, " ").trim()] as [string, string];
    }),
  };
}

Deno.test("Dockerfile: multi-stage, pinned Deno as bootstrap.sh, compiled with DENORT_BIN", () => {
  const { instructions } = dockerfile();
  const known = new Set([
    "FROM",
    "ARG",
    "RUN",
    "COPY",
    "WORKDIR",
    "ENV",
    "LABEL",
    "ENTRYPOINT",
    "CMD",
  ]);
  for (const [op] of instructions) assert(known.has(op), op);
  const froms = instructions.filter(([op]) => op === "FROM").map(([, a]) => a);
  assert(froms.length >= 3, "denort, build and final stages");
  const bootstrap = Deno.readTextFileSync(join(root, "scripts/bootstrap.sh"));
  const pinned = /^DENO_VERSION=(\S+)$/m.exec(bootstrap)?.[1];
  const arg = instructions.find(([op, a]) => op === "ARG" && a.startsWith("DENO_VERSION="));
  assertEquals(arg?.[1], `DENO_VERSION=${pinned}`);
  const runs = instructions.filter(([op]) => op === "RUN").map(([, a]) => a);
  assert(runs.some((r) => r.includes("./scripts/bootstrap.sh")));
  const build = runs.find((r) => r.includes("deno task build"));
  assert(build !== undefined && build.includes("DENORT_BIN="), "deno compile needs denort");
  assert(build.includes('"kind": "compiled"'), "the image refuses the launcher build");
  // The code reads what the Dockerfile relies on.
  assert(Deno.readTextFileSync(join(root, "scripts/build.ts")).includes('"DENORT_BIN"'));
  const tasks = (JSON.parse(Deno.readTextFileSync(join(root, "deno.json"))) as Obj).tasks;
  assert("build" in tasks);
  assert(Deno.readTextFileSync(join(root, "src/main.ts")).includes('"--version"'));
});

Deno.test("Dockerfile: copies dist/bin to the bin dir the manifests run, under every built name", () => {
  const { text, instructions } = dockerfile();
  const copies = instructions.filter(([op]) => op === "COPY").map(([, a]) => a);
  assert(copies.includes(`--from=build /src/dist/bin/multus ${BIN_DIR}/multus`), copies.join("\n"));
  for (const name of builtNames()) {
    assert(new RegExp(`\\b${name}\\b`).test(text), `${name} is not named`);
  }
  const link = instructions.find(([op, a]) => op === "RUN" && a.includes("ln -f multus"))?.[1];
  assert(link, "the other names are linked to the one copy");
  for (const name of builtNames().filter((n) => n !== "multus")) assert(link.includes(name), name);
  // The tag in the build instructions is the one the manifests use.
  assert(text.includes(`-t localhost/multus-deno:${version()}`));
  const ignore = read("Dockerfile.dockerignore");
  for (const p of [".tools/", "dist/", "wasm/target/"]) assert(ignore.includes(p), p);
});

Deno.test("dist: the packed and launcher builds carry the schemas config_schema.ts imports", () => {
  let built: Obj;
  try {
    built = JSON.parse(Deno.readTextFileSync(join(root, "dist/BUILD.json"))) as Obj;
  } catch {
    return; // not built: nothing to check
  }
  const schemas = ["daemon-config.schema.json", "multus-cni-config.schema.json"];
  if (built.kind === "packed") {
    const lib = built.lib as string[];
    for (const f of schemas) {
      assert(
        lib.includes(`deployments/schema/${f}`),
        `${f} is not in the packed program: scripts/build.ts must stage deployments/schema/ ` +
          "(src/daemon/config_schema.ts imports it)",
      );
    }
    assert(lib.includes("src/engine/engine.wasm"), "the engine is packed");
    assert(!lib.some((f) => f.endsWith("_test.ts")), "no test module is packed");
    return;
  }
  if (built.kind !== "launcher") return; // deno compile embeds JSON imports
  for (const f of schemas) {
    const path = join(root, "dist/lib/deployments/schema", f);
    let present = true;
    try {
      Deno.statSync(path);
    } catch {
      present = false;
    }
    assert(present, `${path} is missing: the launcher build must copy deployments/schema/`);
  }
});
