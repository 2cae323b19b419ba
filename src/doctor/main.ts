/**
 * Composition root of `multus doctor`: reads the flags, wires the real node (files, the
 * API with the config's kubeconfig, the daemon socket, the shim's local DEL) into the
 * checks, and prints the findings.
 *
 * @module
 */
import type { CmdArgs } from "../cni/skel.ts";
import type { DelegateConf } from "../engine/multus.ts";
import {
  inClusterEnvSet,
  type KubeClient,
  type KubeConnectionConfig,
  loadInClusterConfig,
  loadKubeClient,
  loadKubeconfig,
} from "../kube/mod.ts";
import { cmdDel } from "../multus/del.ts";
import type { KubeAccess, MultusDeps, Pod } from "../multus/deps.ts";
import { clientAccess } from "../multus/kube_access.ts";
import { localDelDeps } from "../multus/local_del.ts";
import { clusterDelegates, podDelegates } from "../multus/resolve.ts";
import { denoExec } from "../platform/exec.ts";
import { denoFs } from "../platform/fs.ts";
import { silentLogger } from "../platform/log.ts";
import { hostName, processEnv } from "../platform/process.ts";
import { processStdio, type Stdio } from "../platform/stdio.ts";
import { unixRequest } from "../platform/unix_http.ts";
import { checkBinaries, type NeededDelegates } from "./binaries_check.ts";
import { checkPrimary, readMultusConfig } from "./config_check.ts";
import { checkDaemon } from "./daemon_check.ts";
import { DOCTOR_HELP, type DoctorFlags, parseDoctorFlags } from "./flags.ts";
import { checkKube } from "./kube_check.ts";
import { checkRbac } from "./rbac_check.ts";
import {
  exitCodeOf,
  type Finding,
  finding,
  findingsJson,
  formatFindings,
  messageOf,
} from "./report.ts";
import { checkStaleCaches, delArgs, type NodePod } from "./stale_check.ts";

const NO_EVENTS = { record: () => {}, flush: () => Promise.resolve() };

/** Read-only Kubernetes access for resolution: no events, no status writes. */
function readOnlyAccess(client: KubeClient): KubeAccess {
  return {
    ...clientAccess(client, { logger: silentLogger }),
    events: NO_EVENTS,
    status: { writeNetworkStatus: () => Promise.resolve(false) },
  };
}

async function loadConnection(kubeconfig: string): Promise<KubeConnectionConfig | null> {
  if (kubeconfig) return await loadKubeconfig(kubeconfig, { fs: denoFs });
  if (inClusterEnvSet(processEnv)) {
    return await loadInClusterConfig({ env: processEnv, fs: denoFs });
  }
  return null;
}

async function socketGet(socketPath: string, path: string, timeoutMs: number): Promise<number> {
  return (await unixRequest(socketPath, { method: "GET", path, timeoutMs })).status;
}

async function metricsText(port: number, timeoutMs: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return text;
}

/** Runs every check; the findings in order. */
export async function doctor(flags: DoctorFlags): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { findings: confFindings, loaded } = await readMultusConfig({
    ...(flags.config !== undefined ? { configPath: flags.config } : {}),
    cniConfDir: flags.cniConfDir,
    daemonConfigPath: flags.daemonConfig,
  }, denoFs);
  findings.push(...confFindings);
  if (!loaded) return findings;
  const { conf } = loaded;
  const env = processEnv.toObject();
  const cniPath = flags.cniPath ?? env["CNI_PATH"] ?? "";
  const baseDeps = localDelDeps(silentLogger);

  const kube = await checkKube(conf.kubeconfig, {
    loadConnection: () => loadConnection(conf.kubeconfig),
    makeClient: async (c) => {
      const client = c.auth.kind === "authProvider"
        ? await loadKubeClient({
          kubeconfig: conf.kubeconfig,
          env: processEnv,
          fs: denoFs,
          exec: denoExec,
        })
        : (await import("../kube/mod.ts")).createKubeClient(c, {
          fs: denoFs,
          exec: denoExec,
          env: processEnv,
          timeoutMs: flags.timeoutMs,
        });
      if (!client) throw new Error("no client");
      return client;
    },
    fs: denoFs,
    now: () => Date.now(),
    timeoutMs: flags.timeoutMs,
  });
  const client = kube.client;
  const access = client ? readOnlyAccess(client) : null;
  const deps: MultusDeps = { ...baseDeps, kube: () => Promise.resolve(access) };

  const primary = await checkPrimary(
    loaded,
    (c) => clusterDelegates({ conf: c, kube: access, pod: null, deps }),
  );
  findings.push(...primary.findings, ...kube.findings);

  if (client?.accessReview) {
    const review = client.accessReview.bind(client);
    findings.push(
      ...await checkRbac(loaded.thick, (a) => review(a, { timeoutMs: flags.timeoutMs })),
    );
  } else {
    findings.push(finding("rbac", "skip", "not checked: no working API client"));
  }

  if (loaded.thick) {
    findings.push(
      ...await checkDaemon({
        socketDir: conf.daemonSocketDir,
        metricsPort: loaded.daemon?.metricsPort ?? null,
      }, {
        socketGet: (s, p) => socketGet(s, p, flags.timeoutMs),
        metrics: (port) => metricsText(port, flags.timeoutMs),
      }),
    );
  } else {
    findings.push(finding("daemon", "skip", "thin mode: no daemon"));
  }

  const nodeName = flags.nodeName ??
    (env["MULTUS_NODE_NAME"] || loaded.daemon?.nodeName || hostName());
  let pods: Pod[] | null = null;
  if (client) {
    try {
      pods = (await client.listPods({
        fieldSelector: `spec.nodeName=${nodeName}`,
        timeoutMs: flags.timeoutMs,
      })).items as Pod[];
    } catch (err) {
      findings.push(finding(
        "pods",
        "fail",
        `listing the pods of node ${nodeName}: ${messageOf(err)}`,
        "grant list on pods",
      ));
    }
  }
  const needed: NeededDelegates[] = [{ who: "the cluster network", delegates: primary.delegates }];
  for (const pod of pods ?? []) {
    const ctx = { conf, kube: access, pod, deps };
    try {
      const delegates: DelegateConf[] = await podDelegates(ctx, primary.delegates.slice(0, 1));
      if (delegates.length > 1) {
        needed.push({
          who: `pod ${pod.metadata.namespace}/${pod.metadata.name}`,
          delegates: delegates.slice(1),
        });
      }
    } catch (err) {
      findings.push(finding(
        "networks",
        "warn",
        `pod ${pod.metadata.namespace}/${pod.metadata.name}: ${messageOf(err)}`,
        "create the NetworkAttachmentDefinition or fix the pod's annotation (its next sandbox fails)",
      ));
    }
  }
  const binDirs = [...new Set([conf.binDir, ...cniPath.split(":")].filter((d) => d !== ""))];
  findings.push(...await checkBinaries(needed, binDirs, denoFs));

  if (pods === null) {
    findings.push(
      finding("cache", "skip", "not checked: the pods of this node are unknown (no API)"),
    );
    return findings;
  }
  const nodePods: NodePod[] = pods.map((p) => ({
    namespace: p.metadata.namespace,
    name: p.metadata.name,
    ...(p.metadata.uid ? { uid: p.metadata.uid } : {}),
  }));
  const config = JSON.parse(loaded.text) as Record<string, unknown>;
  const overlay = loaded.daemon
    ? { overlay: loaded.daemon.overlay, dropKeys: loaded.daemon.dropKeys }
    : {};
  const delDeps: MultusDeps = { ...baseDeps, env: { ...env, CNI_PATH: cniPath } };
  findings.push(
    ...await checkStaleCaches(
      conf.cniDir,
      nodePods,
      {
        fs: denoFs,
        now: () => Date.now(),
        ...(flags.fix
          ? {
            del: (args: CmdArgs) =>
              cmdDel(args, delDeps, { conf: overlay, uniqueArgs: loaded.thick }),
          }
          : {}),
      },
      (c) => delArgs(c, { text: loaded.text, config, cniPath, env: { ...env, CNI_PATH: cniPath } }),
    ),
  );
  client?.close();
  return findings;
}

/** Runs `multus doctor ARGS`; the exit code. */
export async function runDoctor(args: string[], stdio: Stdio = processStdio): Promise<number> {
  const parsed = parseDoctorFlags(args);
  if (parsed.kind === "help") {
    stdio.writeStdout(DOCTOR_HELP);
    return 0;
  }
  if (parsed.kind === "usage") {
    stdio.writeStderr(`multus doctor: ${parsed.message}\nRun 'multus doctor --help' for usage.\n`);
    return 2;
  }
  let findings: Finding[];
  try {
    findings = await doctor(parsed.flags);
  } catch (err) {
    findings = [finding("doctor", "fail", messageOf(err))];
  }
  stdio.writeStdout(parsed.flags.json ? findingsJson(findings) : formatFindings(findings));
  return exitCodeOf(findings);
}
