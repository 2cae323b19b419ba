/**
 * Composition root of `multus explain`: reads the flags, the Multus config, the pod and
 * its NADs (from the API with GETs only, or from files), runs {@linkcode explainAdd} and
 * prints the text or JSON form. Exit 0 when the ADD would succeed, 1 when it would fail
 * (or its inputs cannot be read), 2 for a usage error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { CniCode, CniError } from "../cni/error.ts";
import { parseMultusConf } from "../engine/multus.ts";
import { isNotFound, loadKubeClient } from "../kube/mod.ts";
import { parseYamlDocuments } from "../kube/yaml.ts";
import { nodeDeps } from "../multus/node_deps.ts";
import type { KubeAccess, MultusDeps, Nad, Pod } from "../multus/deps.ts";
import { messageOf } from "../multus/errors.ts";
import { denoExec } from "../platform/exec.ts";
import { denoFs } from "../platform/fs.ts";
import { MultusLogger } from "../platform/log.ts";
import { processEnv } from "../platform/process.ts";
import { processStdio } from "../platform/stdio.ts";
import { explainAdd, type Explanation } from "./explain.ts";
import { formatExplanation } from "./explain_format.ts";

/** Where the config is looked for when `--config` is not given, in order. */
const DEFAULT_CONFIGS = ["/etc/cni/net.d/00-multus.conf", "/etc/cni/net.d/00-multus.conflist"];

/** The text `multus explain --help` prints. */
export const EXPLAIN_HELP = `Usage: multus explain NAMESPACE/POD [flags]
       multus explain -f pod.yaml [-f nads.yaml ...] [flags]

Prints what a CNI ADD of the pod would do, computed by the ADD's own code, and runs,
writes and changes nothing: each attachment in order (network, interface, plugin
types, the default route), the exact config each plugin would get on stdin, CNI_ARGS
and runtimeConfig, and every error the ADD would meet, in Multus's words (a missing
NAD, namespace isolation, an invalid annotation, a plugin binary missing from binDir
and CNI_PATH, a duplicate interface name). NAMESPACE/POD is read from the API (GETs
only) with --kubeconfig, else the config's kubeconfig, else the in-cluster account.
With -f the pod and its NetworkAttachmentDefinitions come from YAML or JSON files
(several documents or a List; a NAD without a namespace is in the pod's).

Flags:
  -f, --filename FILE   a file with the pod and/or NADs (repeatable; offline)
  --config FILE         the Multus CNI config (.conf, or .conflist with Multus first)
                        (default: /etc/cni/net.d/00-multus.conf, else .conflist)
  --kubeconfig FILE     the API access for NAMESPACE/POD (default: the config's)
  -o, --output FORMAT   text or json (default: text)
  --container-id ID     the sandbox's container ID (default: explain)
  --netns PATH          its network namespace (default: /var/run/netns/explain)
  --ifname NAME         the runtime's interface name (default: eth0)
  --cni-path DIRS       the runtime's CNI_PATH (default: $CNI_PATH, else /opt/cni/bin)
  -h, --help            this text

A config whose type is multus-shim is explained as the daemon runs it (each CNI_ARGS
key once); the thin plugin appends the runtime's pairs after Multus's.

-o json prints one object: {"ok", "pod": {namespace, name, uid}, "call":
{containerId, netns, ifName, binDirs}, "mode": "thin"|"thick", "attachments": [{index,
network, ifName, isDefault, defaultRoute, gateways, types, isConflist, resolved,
cniVersion, cniArgs, runtimeConfig, plugins: [{type, path, config}]}], "errors":
[{code, msg, details?}], "events": [{type, reason, message}]}. A plugin's path is null
when no binary is found; a later plugin of a conflist also gets prevResult.

Exit status: 0 the ADD would succeed, 1 it would fail (errors printed) or the inputs
cannot be read, 2 usage.

Examples:
  multus explain default/web-0
  multus explain -f pod.yaml -f nads.yaml --config 00-multus.conf -o json
`;

const FLAGS = {
  filename: { type: "string", short: "f", multiple: true },
  config: { type: "string" },
  kubeconfig: { type: "string" },
  output: { type: "string", short: "o", default: "text" },
  "container-id": { type: "string", default: "explain" },
  netns: { type: "string", default: "/var/run/netns/explain" },
  ifname: { type: "string", default: "eth0" },
  "cni-path": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageError extends Error {}

interface Objects {
  pods: Pod[];
  nads: Nad[];
}

function collectObjects(doc: unknown, into: Objects, file: string): void {
  if (doc === null || typeof doc !== "object") {
    throw new Error(`${file}: a document is not a Kubernetes object`);
  }
  const o = doc as { kind?: unknown; items?: unknown };
  if (o.kind === "List" || (typeof o.kind === "string" && o.kind.endsWith("List"))) {
    for (const item of Array.isArray(o.items) ? o.items : []) collectObjects(item, into, file);
  } else if (o.kind === "Pod") into.pods.push(doc as Pod);
  else if (o.kind === "NetworkAttachmentDefinition") into.nads.push(doc as Nad);
  else throw new Error(`${file}: unexpected kind ${JSON.stringify(o.kind)}`);
}

async function readObjects(files: string[]): Promise<Objects> {
  const into: Objects = { pods: [], nads: [] };
  for (const file of files) {
    const text = await denoFs.readText(file);
    if (text === null) throw new Error(`${file}: no such file`);
    let docs: unknown[];
    try {
      docs = parseYamlDocuments(text);
    } catch (err) {
      throw new Error(`${file}: ${messageOf(err)}`);
    }
    for (const doc of docs) collectObjects(doc, into, file);
  }
  return into;
}

/** Pods and NADs from files; a missing NAD fails as the API's NotFound does. */
function fileReads(pod: Pod, nads: Nad[]): Pick<KubeAccess, "pods" | "nads"> {
  const byKey = new Map(
    nads.map((n) => [`${n.metadata.namespace ?? pod.metadata.namespace}/${n.metadata.name}`, n]),
  );
  return {
    pods: { getPod: () => Promise.resolve(pod) },
    nads: {
      getNad(namespace, name): Promise<Nad> {
        const nad = byKey.get(`${namespace}/${name}`);
        if (nad) return Promise.resolve(nad);
        return Promise.reject(
          new CniError(
            CniCode.InvalidNetworkConfig,
            `network-attachment-definitions.k8s.cni.cncf.io "${name}" not found`,
          ),
        );
      },
    },
  };
}

async function configText(path: string | undefined): Promise<{ path: string; text: string }> {
  for (const p of path ? [path] : DEFAULT_CONFIGS) {
    const text = await denoFs.readText(p);
    if (text !== null) return { path: p, text };
  }
  throw new Error(`no Multus config at ${path ?? DEFAULT_CONFIGS.join(" or ")}; pass --config`);
}

function explainDeps(logger: MultusLogger): MultusDeps {
  // Nothing waits: explain never retries.
  return { ...nodeDeps(logger, () => Promise.resolve(null)), sleep: () => Promise.resolve() };
}

async function explainFromArgs(
  args: string[],
): Promise<{ x: Explanation; json: boolean } | "help"> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args, options: FLAGS, allowPositionals: true }));
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
  if (values.help) return "help";
  if (values.output !== "text" && values.output !== "json") {
    throw new UsageError(`-o must be text or json, not ${JSON.stringify(values.output)}`);
  }
  const json = values.output === "json";
  const files = values.filename ?? [];
  if (positionals.length > 1) throw new UsageError("explain takes one NAMESPACE/POD");
  const target = positionals[0];
  if (target !== undefined && files.length > 0) {
    throw new UsageError("give either NAMESPACE/POD or -f files, not both");
  }
  if (target === undefined && files.length === 0) {
    throw new UsageError("give NAMESPACE/POD or -f pod.yaml");
  }
  const slash = target?.indexOf("/") ?? -1;
  if (target !== undefined && (slash <= 0 || slash === target.length - 1)) {
    throw new UsageError(`expected NAMESPACE/POD, got ${JSON.stringify(target)}`);
  }
  const logger = new MultusLogger({ level: "panic", toStderr: true });
  const deps = explainDeps(logger);
  const conf = await configText(values.config);
  const call = {
    containerId: values["container-id"],
    netns: values.netns,
    ifName: values.ifname,
    cniPath: values["cni-path"] ?? processEnv.get("CNI_PATH") ?? "/opt/cni/bin",
  };
  if (target === undefined) {
    const objects = await readObjects(files);
    const [pod, ...more] = objects.pods;
    if (!pod || more.length > 0) {
      throw new UsageError(`the files hold ${objects.pods.length} pods; explain needs exactly one`);
    }
    pod.metadata.namespace ??= "default";
    const reads = fileReads(pod, objects.nads);
    return { x: await explainAdd({ confText: conf.text, pod, reads, deps, call }), json };
  }
  let kubeconfig = values.kubeconfig ?? "";
  if (!kubeconfig) {
    try {
      kubeconfig = parseMultusConf(conf.text).kubeconfig;
    } catch {
      // a config that does not parse is reported by explainAdd
    }
  }
  const client = await loadKubeClient({ kubeconfig, env: processEnv, fs: denoFs, exec: denoExec });
  if (!client) throw new Error("no Kubernetes access: pass --kubeconfig or run in a pod");
  try {
    const [namespace, name] = [target.slice(0, slash), target.slice(slash + 1)];
    let pod: Pod;
    try {
      pod = await client.getPod(namespace, name) as Pod;
    } catch (err) {
      if (isNotFound(err)) throw new Error(`pod ${target} not found`);
      throw err;
    }
    const x = await explainAdd({
      confText: conf.text,
      pod,
      reads: {
        pods: { getPod: () => Promise.resolve(pod) },
        nads: { getNad: async (ns, n) => await client.getNad(ns, n) as Nad },
      },
      deps,
      call,
      devices: true,
    });
    return { x, json };
  } finally {
    client.close();
  }
}

/** Runs `multus explain ARGS`; returns the exit code. */
export async function runExplain(args: string[]): Promise<number> {
  try {
    const out = await explainFromArgs(args);
    if (out === "help") {
      processStdio.writeStdout(EXPLAIN_HELP);
      return 0;
    }
    const { x, json } = out;
    processStdio.writeStdout(json ? JSON.stringify(x, null, 2) + "\n" : formatExplanation(x));
    return x.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError) {
      processStdio.writeStderr(
        `multus explain: ${err.message}\nRun 'multus explain --help' for usage.\n`,
      );
      return 2;
    }
    processStdio.writeStderr(`multus explain: ${messageOf(err)}\n`);
    return 1;
  }
}
