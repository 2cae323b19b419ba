/**
 * Starting and stopping the Kubernetes API test double, and the object tests drive it
 * through: URL and CA, programmatic controls, request log, latency, failures, outages.
 *
 * @example
 * ```ts
 * const api = await startKubeApiDouble({ tokens: ["t0ken"] });
 * api.createPod({ metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" } });
 * // ... point a kubeconfig at api.url with api.caPem ...
 * await api.stop();
 * ```
 * @module
 */

import { createTestPki, type TestPki } from "../certs.ts";
import { createAuthenticator, type TokenUser } from "./auth.ts";
import { createStoreControls, type StoreControls } from "./controls.ts";
import type { FailureSpec, OutageMode } from "./faults.ts";
import type { PolicyRule } from "./rbac.ts";
import type { RequestFilter, RequestRecord } from "./request_log.ts";
import { ObjectStore } from "./store.ts";
import { type KubeApiTls, Transport } from "./transport.ts";

export type { KubeApiTls } from "./transport.ts";

/** Options of {@linkcode startKubeApiDouble}. */
export interface KubeApiDoubleOptions {
  /** TLS material; `false` serves plain HTTP; omitted: a fresh test PKI (see `pki`). */
  readonly tls?: KubeApiTls | false;
  /** Accepted bearer tokens. */
  readonly tokens?: readonly (string | TokenUser)[];
  /** Serve requests without credentials as `system:anonymous` (default false). */
  readonly anonymous?: boolean;
  /** Interval of BOOKMARK events (default 1000 ms). */
  readonly bookmarkIntervalMs?: number;
  /** Watch history kept per resource (default 1000 events). */
  readonly historySize?: number;
  /** Listen address (default 127.0.0.1). */
  readonly hostname?: string;
  /** Listen port (default 0: a free one). */
  readonly port?: number;
  /** RBAC rules every user is held to (default: everything allowed); see `setRbac`. */
  readonly rbac?: readonly PolicyRule[];
}

/** A running double: URL, controls, request log and fault injection. */
export interface KubeApiDouble extends StoreControls {
  /** `https://127.0.0.1:<port>` (or `http://...` in plain mode). */
  readonly url: string;
  /** The port (kept across `refuse` outages). */
  readonly port: number;
  /** The CA clients must trust; undefined in plain HTTP mode. */
  readonly caPem: string | undefined;
  /** The generated PKI when `tls` was omitted (issue client certs from it). */
  readonly pki: TestPki | undefined;
  /** Delay before answering each request. */
  latencyMs: number;
  /** Interval of BOOKMARK events on watches opened from now on (the option's value first). */
  bookmarkIntervalMs: number;
  /** The current outage, or null. */
  readonly outage: OutageMode | null;
  /** Starts (`refuse`, `503`, `hang`) or ends (`null`) an outage; open watches are closed. */
  setOutage(mode: OutageMode | null): Promise<void>;
  /**
   * Holds every user to `rules` from now on, as an RBAC-enabled API server does (403
   * Forbidden per verb, resource and subresource; e.g. `MULTUS_CLUSTER_ROLE` from
   * `rbac.ts`); null allows everything again.
   */
  setRbac(rules: readonly PolicyRule[] | null): void;
  /** The next `count` requests passing `spec.match` fail with `spec`'s Status. */
  failNext(count: number, spec: FailureSpec): void;
  /**
   * Runs `fn` once, just before the next request passing `match` is authorized and served
   * (e.g. recreate a pod as its status write arrives).
   */
  beforeNext(match: RequestFilter | undefined, fn: () => void): void;
  /** Logged requests passing `filter`, oldest first. */
  requests(filter?: RequestFilter): RequestRecord[];
  /** How many logged requests pass `filter`. */
  count(filter?: RequestFilter): number;
  /** Forgets the request log. */
  clearLog(): void;
  /** How many watch streams are open. */
  readonly openWatches: number;
  /** Closes everything: listener, sockets, watches, timers, generated PKI. */
  stop(): Promise<void>;
}

/** Starts the double and resolves once it is listening. */
export async function startKubeApiDouble(
  options: KubeApiDoubleOptions = {},
): Promise<KubeApiDouble> {
  const pki = options.tls === undefined ? await createTestPki() : undefined;
  const tls: KubeApiTls | undefined = pki
    ? { cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem }
    : options.tls || undefined;
  const transport = new Transport({
    tls,
    authenticate: createAuthenticator({
      tokens: options.tokens ?? [],
      anonymous: options.anonymous ?? false,
    }),
    store: new ObjectStore({ historySize: options.historySize ?? 1000 }),
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
  });
  transport.rbac = options.rbac ?? null;
  try {
    await transport.listen(options.port ?? 0, options.hostname ?? "127.0.0.1");
  } catch (error) {
    await pki?.cleanup();
    throw error;
  }
  const url = `${tls ? "https" : "http"}://${transport.hostname}:${transport.port}`;
  const double = {
    url,
    port: transport.port,
    caPem: tls?.ca,
    pki,
    get latencyMs() {
      return transport.latencyMs;
    },
    set latencyMs(value: number) {
      transport.latencyMs = value;
    },
    get bookmarkIntervalMs() {
      return transport.bookmarkIntervalMs;
    },
    set bookmarkIntervalMs(value: number) {
      transport.bookmarkIntervalMs = value;
    },
    get outage() {
      return transport.outage;
    },
    setOutage: (mode: OutageMode | null) => transport.setOutage(mode),
    setRbac: (rules: readonly PolicyRule[] | null) => {
      transport.rbac = rules;
    },
    failNext: (count: number, spec: FailureSpec) => transport.failures.failNext(count, spec),
    beforeNext: (match: RequestFilter | undefined, fn: () => void) =>
      transport.hooks.beforeNext(match, fn),
    requests: (filter?: RequestFilter) => transport.log.requests(filter),
    count: (filter?: RequestFilter) => transport.log.count(filter),
    clearLog: () => transport.log.clear(),
    get openWatches() {
      return transport.openWatches;
    },
    async stop() {
      await transport.close();
      await pki?.cleanup();
    },
  };
  const controls = createStoreControls(transport.store);
  return Object.defineProperties(
    double,
    Object.getOwnPropertyDescriptors(controls),
  ) as unknown as KubeApiDouble;
}
