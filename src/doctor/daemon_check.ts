/**
 * Check 4 (thick mode): the daemon answers `GET /readyz` on its socket
 * (`<daemonSocketDir>/multus.sock`), and its pod and NAD informers have synced, as its
 * Prometheus endpoint tells (`multus_informer_synced{resource=...} 1`, on `metricsPort`
 * when the daemon config sets one; the socket serves no metrics).
 *
 * @module
 */
import { type Finding, finding, messageOf } from "./report.ts";

/** Effects of {@linkcode checkDaemon}. */
export interface DaemonCheckDeps {
  /** `GET path` on the unix socket; the status code. */
  socketGet(socketPath: string, path: string): Promise<number>;
  /** The metrics text from `http://127.0.0.1:<port>/metrics`. */
  metrics(port: number): Promise<string>;
}

/** `multus_informer_synced` per resource, from a Prometheus text. */
export function informerSynced(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^multus_informer_synced\{resource="([^"]+)"\}\s+(\S+)$/gm)) {
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Runs the daemon checks. */
export async function checkDaemon(
  where: { socketDir: string; metricsPort: number | null },
  deps: DaemonCheckDeps,
): Promise<Finding[]> {
  const socket = `${where.socketDir.replace(/\/+$/, "")}/multus.sock`;
  let status: number;
  try {
    status = await deps.socketGet(socket, "/readyz");
  } catch (err) {
    return [finding(
      "daemon",
      "fail",
      `${socket}: ${messageOf(err)}`,
      "start multus-daemon (kubectl -n kube-system get pods -l app=multus); check daemonSocketDir in both configs",
    )];
  }
  const out = [
    status === 200 ? finding("daemon", "pass", `${socket} answers /readyz 200`) : finding(
      "daemon",
      "fail",
      `${socket} answers /readyz ${status} (shutting down?)`,
      "wait for the new daemon, or look at its log",
    ),
  ];
  if (where.metricsPort === null) {
    out.push(finding(
      "informers",
      "skip",
      "not checked: the daemon config sets no metricsPort (informer sync is only exported there)",
    ));
    return out;
  }
  try {
    const synced = informerSynced(await deps.metrics(where.metricsPort));
    const notSynced = ["pods", "network-attachment-definitions"].filter((r) => synced.get(r) !== 1);
    out.push(
      notSynced.length === 0
        ? finding("informers", "pass", "pods and network-attachment-definitions informers synced")
        : finding(
          "informers",
          "fail",
          `not synced: ${notSynced.join(", ")} (the daemon reads the API live until they are)`,
          "check the daemon's log for watch errors and its list/watch permissions",
        ),
    );
  } catch (err) {
    out.push(finding(
      "informers",
      "warn",
      `metrics on port ${where.metricsPort}: ${messageOf(err)}`,
      "check metricsPort in the daemon config",
    ));
  }
  return out;
}
