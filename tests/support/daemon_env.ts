/**
 * Thick mode for integration tests: the real `dist/bin/multus-daemon` as a child process
 * (its config in the fixture's temp dir, its kubeconfig the API double's), and
 * `dist/bin/multus-shim` run as kubelet runs it. Built on {@linkcode multusEnv}; the
 * daemon is killed on dispose.
 *
 * @module
 */
import { type MultusEnv, multusEnv, type TestPod } from "./multus_env.ts";
import { DIST_BIN, runDist, type RunOutput } from "./dist.ts";
import { DEBIAN_CNI_BIN, TEST_CNI_BIN } from "./cni_runtime.ts";

/** A running daemon. */
export interface DaemonProcess {
  pid: number;
  socketDir: string;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Sends `signal`; resolves with the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Resolves with the exit code when it exits on its own. */
  exited: Promise<number>;
}

/** Options of {@linkcode startDaemon}. */
export interface DaemonOptions {
  /** Keys added to (or replacing) the daemon config. */
  config?: Record<string, unknown>;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
  /** Extra environment. */
  env?: Record<string, string>;
  /**
   * A command line the daemon runs under (e.g. `unshare -m ... sh -c '...; exec "$@"'`):
   * the daemon's path and arguments are appended to it.
   */
  wrap?: string[];
  /** The daemon's command (default `dist/bin/multus-daemon`); `-config FILE` is appended. */
  command?: string[];
}

/** The fixture plus a daemon. */
export interface DaemonEnv extends MultusEnv {
  daemon: DaemonProcess;
  socketDir: string;
  daemonConfigPath: string;
  /** The daemon config the fixture wrote (before `opts.config`). */
  daemonConfig(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Starts (another) daemon with this fixture's config; the previous one must be stopped. */
  startDaemon(opts?: DaemonOptions): Promise<DaemonProcess>;
  /** The shim's stdin config (the generated 00-multus.conf, or the fixture's). */
  shimConf(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Runs dist/bin/multus-shim as kubelet would. */
  shim(call: {
    command: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";
    pod: TestPod;
    containerId: string;
    netns?: string;
    ifName?: string;
    conf?: Record<string, unknown>;
    timeoutMs?: number;
    /** The executable (default `dist/bin/multus-shim`), e.g. an installed copy. */
    bin?: string;
    /** Extra environment (it may replace the CNI_* variables, `CNI_ARGS` included). */
    env?: Record<string, string>;
  }): Promise<RunOutput>;
  /** One HTTP request to the daemon's socket. */
  request(method: string, path: string, body?: string): Promise<{ status: number; body: string }>;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Sends one request over the unix socket with `curl` (independent of the product's client). */
export async function socketRequest(
  socket: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  const args = ["-s", "-o", "-", "-w", "\n%{http_code}", "--unix-socket", socket, "-X", method];
  if (body !== undefined) args.push("-H", "content-type: application/json", "--data-binary", "@-");
  args.push(`http://dummy${path}`);
  const child = new Deno.Command("curl", { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(body ?? ""));
  await w.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  const nl = text.lastIndexOf("\n");
  return { status: Number(text.slice(nl + 1)) || 0, body: text.slice(0, nl) };
}

/** Waits until `/readyz` answers 200 (or `timeoutMs` passes). */
export async function waitReady(socket: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await socketRequest(socket, "GET", "/readyz").catch(() => ({ status: 0 }));
    if (r.status === 200) return true;
    await sleep(100);
  }
  return false;
}

/** Builds the thick-mode fixture and starts a daemon. Requires root and a built dist/. */
export async function daemonEnv(opts: DaemonOptions = {}): Promise<DaemonEnv> {
  const base = await multusEnv();
  const socketDir = `${base.root}/run/multus/`;
  const daemonConfigPath = `${base.root}/daemon-config.json`;
  let current = null as DaemonProcess | null;
  const daemonConfig = (extra: Record<string, unknown> = {}) => ({
    cniVersion: "1.0.0",
    logLevel: "debug",
    logToStderr: true,
    cniConfigDir: base.confDir,
    multusAutoconfigDir: base.confDir,
    multusConfigFile: "auto",
    socketDir,
    daemonSocketDir: socketDir,
    kubeconfig: base.kubeconfig,
    cniDir: base.cniDir,
    binDir: DEBIAN_CNI_BIN,
    confDir: base.confDir,
    connectionLimit: 16,
    ...extra,
  });

  async function startDaemon(o: DaemonOptions = {}): Promise<DaemonProcess> {
    await Deno.writeTextFile(daemonConfigPath, JSON.stringify(daemonConfig(o.config ?? {})));
    const command = o.command ?? [`${DIST_BIN}/multus-daemon`];
    const argv = [...(o.wrap ?? []), ...command, "-config", daemonConfigPath];
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      env: {
        PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
        MULTUS_NODE_NAME: "node1",
        CNI_PATH: `${DEBIAN_CNI_BIN}:${TEST_CNI_BIN}`,
        ...o.env,
      },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let log = "";
    const decoder = new TextDecoder();
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) log += decoder.decode(chunk);
    };
    const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
    const exited = child.status.then(async (s) => {
      await pumps.catch(() => {});
      return s.code;
    });
    let done = false;
    exited.then(() => done = true);
    const proc: DaemonProcess = {
      pid: child.pid,
      socketDir,
      log: () => log,
      exited,
      async stop(signal: Deno.Signal = "SIGTERM") {
        if (!done) {
          try {
            child.kill(signal);
          } catch {
            // already gone
          }
        }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // gone
          }
        }, 20_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
    current = proc;
    if (o.waitReady !== false && !(await waitReady(`${socketDir}multus.sock`))) {
      await proc.stop("SIGKILL");
      throw new Error(`multus-daemon did not become ready:\n${log}`);
    }
    // The daemon installs its config after it is ready (it probes its own /readyz first, as
    // Multus): in auto mode, wait for the file too, so tests can read it at once.
    const conf: Record<string, unknown> = daemonConfig(o.config ?? {});
    if (
      o.waitReady !== false && conf["multusConfigFile"] === "auto" &&
      !conf["readinessindicatorfile"]
    ) {
      const generated = `${conf["cniConfigDir"]}/00-multus.conf`;
      for (let i = 0; i < 200 && !done; i++) {
        if (await Deno.stat(generated).then(() => true, () => false)) break;
        await sleep(50);
      }
    }
    return proc;
  }

  try {
    const daemon = await startDaemon(opts);
    const env: DaemonEnv = Object.assign(Object.create(null), base, {
      daemon,
      socketDir,
      daemonConfigPath,
      daemonConfig,
      async startDaemon(o: DaemonOptions = {}) {
        const d = await startDaemon(o);
        env.daemon = d;
        return d;
      },
      shimConf(extra: Record<string, unknown> = {}) {
        return {
          cniVersion: "1.0.0",
          name: "multus-cni-network",
          type: "multus-shim",
          clusterNetwork: `${base.confDir}/10-cluster.conflist`,
          daemonSocketDir: socketDir,
          ...extra,
        };
      },
      shim(call: Parameters<DaemonEnv["shim"]>[0]) {
        const args = [
          "IgnoreUnknown=1",
          `K8S_POD_NAMESPACE=${call.pod.namespace}`,
          `K8S_POD_NAME=${call.pod.name}`,
          `K8S_POD_INFRA_CONTAINER_ID=${call.containerId}`,
          `K8S_POD_UID=${call.pod.uid}`,
        ].join(";");
        return runDist(call.bin ?? "multus-shim", {
          env: {
            CNI_COMMAND: call.command,
            CNI_CONTAINERID: call.containerId,
            CNI_NETNS: call.netns ?? base.netns.path,
            CNI_IFNAME: call.ifName ?? "eth0",
            CNI_PATH: `${DEBIAN_CNI_BIN}:${TEST_CNI_BIN}`,
            CNI_ARGS: args,
            ...call.env,
          },
          stdin: JSON.stringify(call.conf ?? env.shimConf()),
          timeoutMs: call.timeoutMs ?? 120_000,
        });
      },
      request: (method: string, path: string, body?: string) =>
        socketRequest(`${socketDir}multus.sock`, method, path, body),
      async [Symbol.asyncDispose]() {
        await current?.stop("SIGKILL").catch(() => {});
        await base[Symbol.asyncDispose]();
      },
    });
    return env;
  } catch (err) {
    await current?.stop("SIGKILL").catch(() => {});
    await base[Symbol.asyncDispose]();
    throw err;
  }
}
