// deno-lint-ignore-file no-console
/**
 * The demo's thick mode: starts `dist/bin/multus-daemon` as a node runs it and waits for
 * the `00-multus.conf` it generates.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { socketRequest, waitReady } from "../../tests/support/daemon_env.ts";
import type { Cleanup } from "./_cleanup.ts";
import { title } from "./_output.ts";

/**
 * Where the daemon's log is kept once the demo has removed its temporary directory:
 * `reports/demo-multus-daemon.log`, replaced by each thick-mode run.
 */
export function keptLogPath(root: string): string {
  return join(root, "reports/demo-multus-daemon.log");
}

/** Where the daemon runs. */
export interface DaemonPaths {
  /** The repository (`dist/bin/` is under it). */
  root: string;
  /** The demo's temporary directory: the daemon's config, socket and log go there. */
  tmp: string;
  /** The CNI config dir, with the cluster network's config; 00-multus.conf is written here. */
  confDir: string;
  /** Multus's cache dir. */
  cniDir: string;
  /** The kubeconfig of the API test double. */
  kubeconfig: string;
}

/**
 * Starts dist/bin/multus-daemon (thick mode) and returns the generated 00-multus.conf, which
 * kubelet would pick up as the node's first CNI config; `cleanup` gets the step that stops
 * the daemon and copies its log to {@linkcode keptLogPath}.
 */
export async function startDaemon(
  p: DaemonPaths,
  cleanup: Cleanup,
): Promise<Record<string, unknown>> {
  const socketDir = `${p.tmp}/run/multus/`;
  const log = `${p.tmp}/multus-daemon.log`;
  const kept = keptLogPath(p.root);
  // a kept log is always this run's
  await Deno.remove(kept).catch(() => {});
  const daemonConfig = {
    cniVersion: "1.0.0",
    logLevel: "verbose",
    logFile: log,
    cniConfigDir: p.confDir,
    multusAutoconfigDir: p.confDir,
    multusConfigFile: "auto",
    socketDir,
    // the socket's path as the host (kubelet, the shim) sees it; copied into 00-multus.conf
    daemonSocketDir: socketDir,
    kubeconfig: p.kubeconfig,
    cniDir: p.cniDir,
    binDir: "/usr/lib/cni",
    confDir: p.confDir,
    cleanupOnExit: true,
    // hot-plug: the daemon follows changes of a running pod's networks annotation
    dynamicNetworks: true,
  };
  const configPath = `${p.tmp}/daemon-config.json`;
  await Deno.writeTextFile(configPath, JSON.stringify(daemonConfig, null, 2));
  title(`starting dist/bin/multus-daemon -config ${configPath}`);
  console.log(JSON.stringify(daemonConfig, null, 2));
  const child = new Deno.Command(`${p.root}/dist/bin/multus-daemon`, {
    args: ["-config", configPath],
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", MULTUS_NODE_NAME: "demo-node" },
    clearEnv: true,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  cleanup.defer(async () => {
    const kill = (signal: Deno.Signal) => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    };
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), 10_000);
    const code = (await child.status).code;
    clearTimeout(timer);
    console.log(`multus-daemon stopped (exit ${code})`);
    // the temporary directory goes next: the log is what to read if something went wrong
    await Deno.mkdir(dirname(kept), { recursive: true });
    await Deno.copyFile(log, kept);
  });
  const socket = `${socketDir}multus.sock`;
  if (!(await waitReady(socket, 30_000))) {
    throw new Error(`multus-daemon did not answer GET /readyz on ${socket} within 30 s`);
  }
  const generated = `${p.confDir}/00-multus.conf`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const text = await Deno.readTextFile(generated);
      const health = await socketRequest(socket, "GET", "/healthz");
      console.log(`daemon ready; GET /healthz over ${socket}: ${health.status}`);
      title(`generated ${generated} (kubelet's first config; the shim reads it on stdin)`);
      console.log(text);
      return JSON.parse(text);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`multus-daemon did not write ${generated}`);
}
