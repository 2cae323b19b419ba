/**
 * Composition root of `multus-daemon` (`multus daemon`): reads and validates the daemon
 * config (JSON Schema, then the engine's defaults), starts the informers, serves the CNI
 * API on the unix socket and metrics on `metricsPort`, installs the Multus CNI config once
 * it can serve, and shuts down gracefully on SIGTERM: `/readyz` turns 500 at once,
 * requests in flight finish, the generated config stays (Multus #1527).
 *
 * Flags (Go-style, one or two dashes): `-config <file>`, `-version`, `-probe readyz|healthz`
 * (an exec probe for Kubernetes: asks the running daemon over its socket, exit 0 or 1),
 * `-h`/`-help` (the usage, from `usage.ts`).
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import { type DaemonConf, parseDaemonConf } from "../engine/daemon.ts";
import type { KubeClient, KubeRequestInfo } from "../kube/client.ts";
import { loadKubeClient } from "../kube/mod.ts";
import type { KubeAccess, MultusDeps } from "../multus/deps.ts";
import { nodeDeps } from "../multus/node_deps.ts";
import { denoExec } from "../platform/exec.ts";
import { denoFs } from "../platform/fs.ts";
import { importLazily } from "../platform/lazy_import.ts";
import { type LogLevel, MultusLogger } from "../platform/log.ts";
import { onShutdownSignal, processEnv, processUid } from "../platform/process.ts";
import { processStdio } from "../platform/stdio.ts";
import { unixRequest } from "../platform/unix_http.ts";
import { daemonCommands } from "./commands.ts";
import { formatViolations, validateDaemonConfig } from "./config_schema.ts";
import { HOST_NETNS, netnsGuard, OWN_NETNS } from "../cni/netns.ts";
import { netnsIdentity } from "../platform/netns.ts";
import { parseDaemonFlags } from "./flags.ts";
import { cniErrorResponse, createHandler } from "./handler.ts";
import { Limiter } from "./limiter.ts";
import { PodLocks } from "./pod_locks.ts";
import { type DaemonMetrics, kubeApiLabels, metricsHandler, noopMetrics } from "./metrics.ts";
import { serveMetrics, serveUnixSocket } from "./server.ts";

/** Exit codes (Multus's where it has them; `usage` is Go's `flag` package's). */
const EXIT = {
  ok: 0,
  config: 1,
  notRoot: 1,
  connectionLimit: 3,
  configManager: 2,
  usage: 2,
} as const;

function fail(message: string, code: number): number {
  processStdio.writeStderr(`multus-daemon: ${message}\n`);
  return code;
}

async function loadConfig(path: string): Promise<DaemonConf | number> {
  const text = await denoFs.readText(path).catch((err) => {
    throw new Error(`failed to read the daemon config ${path}: ${(err as Error).message}`);
  });
  if (text === null) {
    return fail(`failed to read the daemon config ${path}: no such file`, EXIT.config);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(`invalid daemon config ${path}: ${(err as Error).message}`, EXIT.config);
  }
  const violations = validateDaemonConfig(value);
  if (violations.length > 0) return fail(formatViolations(path, violations), EXIT.config);
  try {
    return parseDaemonConf(text);
  } catch (err) {
    const e = CniError.from(err);
    const code = e.message.startsWith("connection limit") ? EXIT.connectionLimit : EXIT.config;
    return fail(`invalid daemon config ${path}: ${e.message}`, code);
  }
}

async function probe(conf: DaemonConf, what: string): Promise<number> {
  try {
    const res = await unixRequest(conf.socketPath, {
      method: "GET",
      path: `/${what}`,
      timeoutMs: 5000,
    });
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

/** Polls `/readyz` on the daemon's own socket until it answers 200 or `timeoutMs` passes. */
async function selfProbe(socketPath: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const res = await unixRequest(socketPath, {
      method: "GET",
      path: "/readyz",
      timeoutMs: Math.max(1, Math.min(5_000, left)),
    }).catch(() => null);
    if (res?.status === 200) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Options of {@linkcode runDaemon}. */
export interface RunDaemonOptions {
  /** How the daemon was invoked, for its usage (`multus-daemon`, `multus daemon`). */
  program?: string;
}

/**
 * Runs the daemon until SIGTERM/SIGINT; returns the exit code. As Go's `flag` package:
 * `-h`/`-help` prints the usage and exits 0; a bad command line prints the error and the
 * usage on stderr and exits 2.
 */
export async function runDaemon(args: string[], opts: RunDaemonOptions = {}): Promise<number> {
  const parsed = parseDaemonFlags(args);
  if (parsed.kind !== "run") {
    const { daemonUsage } = await import("./usage.ts");
    const usage = daemonUsage(opts.program ?? "multus-daemon");
    if (parsed.kind === "help") {
      processStdio.writeStdout(usage);
      return EXIT.ok;
    }
    processStdio.writeStderr(`${parsed.message}\n${usage}`);
    return EXIT.usage;
  }
  const flags = parsed.flags;
  if (flags.version) {
    const { printVersion } = await import("../version.ts");
    return printVersion("multus-daemon");
  }
  const loaded = await loadConfig(flags.config).catch((err) =>
    fail(String(err.message), EXIT.config)
  );
  if (typeof loaded === "number") return loaded;
  const conf = loaded;
  if (flags.probe) return await probe(conf, flags.probe === "healthz" ? "healthz" : "readyz");

  const logger = new MultusLogger({
    level: (conf.logLevel || "panic").toLowerCase() as LogLevel,
    toStderr: conf.logToStderr,
    ...(conf.logFile ? { file: conf.logFile } : {}),
    ...(conf.logOptions ? { options: conf.logOptions } : {}),
  });
  for (const w of conf.warnings) logger.warning(w);
  if (conf.enablePprof) {
    logger.warning("enablePprof: Go's pprof endpoints do not exist in multus-deno; not served");
  }
  if (processUid() !== 0) {
    return fail(`failed to run multus-daemon with root: uid ${processUid()}`, EXIT.notRoot);
  }

  if (conf.chrootDir) {
    const root = await denoFs.stat(conf.chrootDir);
    if (!root?.isDirectory) {
      return fail(
        `invalid daemon config ${flags.config}: chrootDir ${JSON.stringify(conf.chrootDir)}: ${
          root ? "not a directory" : "no such directory"
        }`,
        EXIT.config,
      );
    }
  }

  let metrics: DaemonMetrics = noopMetrics;
  let render: Parameters<typeof metricsHandler>[0] | null = null;
  const pollers: Array<(m: DaemonMetrics) => void> = [];
  if (conf.metricsPort !== null) {
    const { createPromMetrics } = await import("./metrics.ts");
    const prom = await createPromMetrics({ onScrape: (m) => pollers.forEach((p) => p(m)) });
    metrics = prom;
    render = prom;
  }

  const nodeName = processEnv.get("MULTUS_NODE_NAME") || conf.nodeName;
  const onRequest = (info: KubeRequestInfo): void => {
    const l = kubeApiLabels(info.method, info.path);
    metrics.apiRequest(l.verb, l.resource, info.status);
  };
  const stops: Array<() => Promise<void> | void> = [];
  let client: KubeClient | null;
  const perNode = conf.perNodeCertificate;
  if (perNode?.enabled) {
    if (!nodeName) {
      return fail(
        "error getting node name for perNodeCertificate, please check manifest to have MULTUS_NODE_NAME",
        EXIT.config,
      );
    }
    const { perNodeClient } = await importLazily<typeof import("./per_node_client.ts")>(
      new URL("./per_node_client.ts", import.meta.url),
    );
    try {
      const made = await perNodeClient({
        settings: perNode,
        nodeName,
        fs: denoFs,
        exec: denoExec,
        env: processEnv,
        logger,
        onRequest,
      });
      client = made.client;
      stops.push(() => made.certs.stop());
    } catch (err) {
      const msg = `perNodeCertificate: ${err instanceof Error ? err.message : String(err)}`;
      logger.error(msg);
      return fail(msg, EXIT.config);
    }
  } else {
    client = await loadKubeClient({
      kubeconfig: conf.kubeconfig,
      env: processEnv,
      fs: denoFs,
      exec: denoExec,
      onWarning: (m) => logger.warning(m),
      onRequest,
    }).catch((err) => {
      logger.error(String(err.message));
      throw err;
    });
  }
  let kube: KubeAccess | null = null;
  let podInformer: import("./informer.ts").Informer<import("../kube/mod.ts").Pod> | null = null;
  if (client) {
    if (!nodeName) {
      return fail(
        "MULTUS_NODE_NAME is not set: the daemon watches only the pods of its own node",
        EXIT.config,
      );
    }
    const { createPodInformer, createNadInformer, cachedKubeAccess } = await import(
      "./kube_cache.ts"
    );
    const { EventQueue } = await import("./event_queue.ts");
    const pods = createPodInformer(client, { nodeName, logger });
    const nads = createNadInformer(client, { logger });
    const events = new EventQueue({ client, logger, nodeName });
    pods.start();
    nads.start();
    podInformer = pods;
    pollers.push((m) => {
      m.setInformerHealth("pods", pods.health());
      m.setInformerHealth("network-attachment-definitions", nads.health());
      m.eventQueue(events.stats());
    });
    kube = cachedKubeAccess({ client, pods, nads, events, logger, nodeName });
    stops.push(async () => {
      await events.drain(2000).catch(() => {});
      pods.stop();
      nads.stop();
      client.close();
    });
    if (!(await pods.waitForSync(20_000)) || !(await nads.waitForSync(20_000))) {
      logger.error("informers did not sync within 20 s; reading the API live until they do");
    }
  } else {
    logger.warning("no Kubernetes configuration: only the config's static delegates are run");
  }

  const deps: MultusDeps = {
    ...nodeDeps(logger, () => Promise.resolve(kube)),
    invoke: { ...(conf.chrootDir ? { chrootDir: conf.chrootDir } : {}) },
    observeDelegate: (e) => metrics.delegateFinished(e.type, e.command, e.seconds, e.ok),
  };
  let ready = false;
  const locks = new PodLocks();
  let hotplugs: { stop(): Promise<void> } | null = null;
  let records: import("./sandbox_records.ts").SandboxRecords | undefined;
  if (conf.dynamicNetworks && podInformer) {
    const { SandboxRecords } = await import("./sandbox_records.ts");
    const { HotplugController } = await import("./hotplug_controller.ts");
    // Next to the attachments they describe (the socket directory is recreated at start).
    const { parseMultusConf } = await import("../engine/multus.ts");
    const cniDir = parseMultusConf(
      JSON.stringify({ clusterNetwork: "hot-plug", ...conf.overlay }),
      { overlay: {}, dropKeys: conf.dropKeys },
    ).cniDir;
    records = new SandboxRecords(denoFs, `${cniDir.replace(/\/+$/, "")}/sandboxes`);
    const controller = new HotplugController({
      pods: podInformer,
      records,
      locks,
      deps,
      conf: { overlay: conf.overlay, dropKeys: conf.dropKeys },
      logger,
    });
    controller.start();
    hotplugs = controller;
  } else if (conf.dynamicNetworks) {
    logger.warning("dynamicNetworks: no Kubernetes configuration, so no pods to watch");
  }
  const limiter = new Limiter(conf.connectionLimit, conf.maxQueuedRequests);
  const handler = createHandler({
    commands: daemonCommands(deps, {
      overlay: conf.overlay,
      dropKeys: conf.dropKeys,
      checkNetns: netnsGuard({
        identify: netnsIdentity,
        references: [{ ...OWN_NETNS, what: "multus-daemon's own network namespace" }, HOST_NETNS],
        onSkip: (ref, why) =>
          logger.warning(
            `cannot read ${ref.what} at ${ref.path} (${why}): CNI_NETNS is compared with the daemon's own namespace only`,
          ),
      }),
      locks,
      ...(records ? { records } : {}),
    }),
    limiter,
    isReady: () => ready,
    logger,
    observer: metrics,
    maxRequestBytes: conf.maxRequestBytes,
  });
  const bounds = {
    onError: (err: unknown) => logger.error(String(err)),
    requestTimeoutMs: conf.requestTimeoutSeconds * 1000,
    maxConnections: conf.maxConnections,
  };
  let listening;
  try {
    listening = await serveUnixSocket(conf.socketPath, handler, {
      ...bounds,
      busy: () =>
        cniErrorResponse(
          new CniError(
            CniCode.TryAgainLater,
            `multus-daemon is busy: ${conf.maxConnections} connections are open (maxConnections); try again later`,
          ),
        ),
    });
  } catch (err) {
    return fail((err as Error).message, EXIT.config);
  }
  let metricsServer = null;
  if (render) {
    try {
      metricsServer = await serveMetrics(conf.metricsPort ?? 0, metricsHandler(render), bounds);
    } catch (err) {
      await listening.shutdown();
      return fail(`failed to serve metrics: ${(err as Error).message}`, EXIT.config);
    }
  }
  ready = true;
  logger.verbose(`multus-daemon listening on ${conf.socketPath}`);
  // Ask our own socket, as a shim would, before installing the config that sends pods here.
  if (!(await selfProbe(conf.socketPath, conf.readyzTimeoutSeconds * 1000))) {
    ready = false;
    await listening.shutdown();
    return fail(
      `no answer from GET /readyz on ${conf.socketPath} within ${conf.readyzTimeoutSeconds} s`,
      EXIT.config,
    );
  }

  const shutdownSignal = new Promise<string>((resolve) => stops.push(onShutdownSignal(resolve)));
  let manager: { stop(): Promise<void> } | null = null;
  {
    const { ConfigManager } = await import("./config_manager.ts");
    const m = new ConfigManager(conf, {
      logger,
      onChange: (c) => logger.verbose(`multus config ${c.kind}: ${c.path}`),
    });
    const started = m.start().then(() => true, (err) => {
      logger.error(`failed to install the multus config: ${(err as Error).message}`);
      return false;
    });
    const first = await Promise.race([started, shutdownSignal.then(() => null)]);
    if (first === false) {
      ready = false;
      await listening.shutdown();
      return fail("failed to find the cluster master CNI plugin", EXIT.configManager);
    }
    manager = m;
  }

  const signal = await shutdownSignal;
  logger.verbose(`multus-daemon: ${signal}: not ready any more, finishing requests in flight`);
  ready = false;
  await Promise.race([limiter.idle(), new Promise((r) => setTimeout(r, 10_000))]);
  await hotplugs?.stop();
  await listening.shutdown();
  await metricsServer?.shutdown();
  await manager?.stop();
  for (const stop of stops) await stop();
  logger.verbose("multus-daemon: stopped");
  return EXIT.ok;
}
