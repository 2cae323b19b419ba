/**
 * The daemon's hot-plug (`dynamicNetworks: true`): it watches the pods of its node (the
 * pod informer it already runs) and, when a running pod's `k8s.v1.cni.cncf.io/networks`
 * or default-network annotation changes, brings the pod's attachments in line with it
 * (`../multus/hotplug.ts`), serialised with the pod's own CNI calls by
 * {@linkcode PodLocks}. Once the informers have synced it reconciles every pod with a
 * recorded sandbox, so a change made while the daemon was down is applied.
 *
 * Each (sandbox, annotations) state is handled once: a refused or failed change records a
 * Warning event and is not retried until the annotation (or the sandbox) changes again,
 * so a bad NAD never loops. A change stopped by the pod's DEL is not recorded as handled.
 *
 * @module
 */
import type { Pod as KubePod } from "../kube/mod.ts";
import type { LoadConfOptions } from "../multus/config.ts";
import type { MultusDeps, Pod } from "../multus/deps.ts";
import { messageOf } from "../multus/errors.ts";
import { hotplug, HotplugAborted } from "../multus/hotplug.ts";
import type { Logger } from "../platform/log.ts";
import type { Informer } from "./informer.ts";
import type { PodLocks } from "./pod_locks.ts";
import type { SandboxRecords } from "./sandbox_records.ts";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const DEFAULT_NETWORK = "v1.multus-cni.io/default-network";
const NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status";

/** Options of {@linkcode HotplugController}. */
export interface HotplugControllerOptions {
  pods: Pick<Informer<KubePod>, "onUpdate" | "onDelete" | "list" | "get" | "waitForSync">;
  records: SandboxRecords;
  locks: PodLocks;
  deps: MultusDeps;
  /** The daemon config as overlay, as every CNI request gets it. */
  conf: LoadConfOptions;
  logger: Logger;
}

function podKey(pod: { metadata: { namespace?: string; name?: string } }): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}

function wanted(pod: KubePod): string {
  const a = pod.metadata.annotations ?? {};
  return JSON.stringify([a[NETWORKS] ?? "", a[DEFAULT_NETWORK] ?? ""]);
}

/** Watches this node's pods and hot-plugs their networks. */
export class HotplugController {
  readonly #o: HotplugControllerOptions;
  /** Pod key -> the (sandbox, annotations) state last handled. */
  readonly #handled = new Map<string, string>();
  readonly #unsubscribe: Array<() => void> = [];
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  /** A controller; nothing happens until {@linkcode HotplugController.start}. */
  constructor(opts: HotplugControllerOptions) {
    this.#o = opts;
  }

  /** Subscribes to pod changes and, once the informer has synced, reconciles every pod. */
  start(): void {
    const { pods } = this.#o;
    this.#unsubscribe.push(
      pods.onUpdate((old, cur) => {
        const changed = old !== cur && wanted(old) !== wanted(cur);
        this.#track(this.reconcile(cur, { announce: changed }));
      }),
      pods.onDelete((pod) => this.#handled.delete(podKey(pod))),
    );
    this.#track(
      pods.waitForSync(24 * 3600_000).then(async (synced) => {
        if (!synced || this.#stopped) return;
        for (const pod of pods.list()) await this.reconcile(pod, { announce: false });
      }),
    );
  }

  /** Stops reacting to changes; resolves once the work in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const u of this.#unsubscribe.splice(0)) u();
    await Promise.allSettled([...this.#running]);
  }

  #track(p: Promise<void>): void {
    this.#running.add(p);
    p.finally(() => this.#running.delete(p));
  }

  /**
   * Brings one pod in line with its annotations (no-op when that state was handled).
   * `announce`: the annotations just changed, so a pod whose sandbox is unknown here gets
   * a Warning (otherwise, e.g. a pod not set up yet, it is skipped quietly).
   */
  async reconcile(pod: KubePod, opts: { announce: boolean }): Promise<void> {
    if (this.#stopped) return;
    const key = podKey(pod);
    const { locks, records, deps, logger } = this.#o;
    try {
      await locks.runHotplug(key, async (signal) => {
        // The newest state of the pod: changes queued behind each other collapse into one.
        const cur = this.#o.pods.get(pod.metadata.namespace ?? "", pod.metadata.name ?? "");
        if (!cur || this.#stopped) return;
        const rec = await records.forPod(
          cur.metadata.namespace ?? "",
          cur.metadata.name ?? "",
          cur.metadata.uid,
        );
        const state = `${rec?.containerId ?? ""}|${wanted(cur)}`;
        if (this.#handled.get(key) === state) return;
        const asPod = cur as Pod;
        if (!rec) {
          const running = cur.status?.phase === "Running" ||
            cur.metadata.annotations?.[NETWORK_STATUS] !== undefined;
          if (opts.announce && running) {
            await this.#warn(
              asPod,
              "HotplugRefused",
              `cannot change the networks of pod ${key}: its sandbox is unknown on this node (not set up by this daemon)`,
            );
            this.#handled.set(key, state);
          }
          return;
        }
        let outcome;
        try {
          outcome = await hotplug(rec, asPod, deps, {
            conf: this.#o.conf,
            uniqueArgs: true,
            signal,
          });
        } catch (err) {
          if (err instanceof HotplugAborted) {
            logger.verbose(`hot-plug of ${key}: ${err.message}`);
            return;
          }
          this.#handled.set(key, state);
          await this.#warn(
            asPod,
            "HotplugFailed",
            `hot-plug of pod ${key} failed, the pod's networks are unchanged: ${messageOf(err)}`,
          );
          return;
        }
        this.#handled.set(key, state);
        if (outcome.kind === "refused") {
          await this.#warn(
            asPod,
            "HotplugRefused",
            `cannot change the networks of pod ${key}: ${outcome.reason}`,
          );
        } else if (outcome.kind === "changed") {
          const list = (xs: Array<{ network: string; ifName: string }>) =>
            xs.map((x) => `${x.network}:${x.ifName}`).join(", ") || "none";
          logger.verbose(
            `hot-plug of ${key}: added ${list(outcome.added)}; removed ${list(outcome.removed)}`,
          );
        }
      });
    } catch (err) {
      logger.error(`hot-plug of ${key}: ${messageOf(err)}`);
    }
  }

  async #warn(pod: Pod, reason: string, message: string): Promise<void> {
    this.#o.logger.error(message);
    const kube = await this.#o.deps.kube({ kubeconfig: "" }).catch(() => null);
    kube?.events.record(pod, { type: "Warning", reason, message });
  }
}
