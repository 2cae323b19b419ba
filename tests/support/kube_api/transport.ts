/**
 * The double's HTTP(S) transport: a `node:https` (or `node:http`) server in this process,
 * with socket tracking, authentication, the request log, latency, injected failures and
 * outages (refuse connections on the same port, answer 503, or hang), wired to the store.
 *
 * `node:https` is used because `Deno.serve` cannot ask for client certificates.
 *
 * @module
 */

import http from "node:http";
import https from "node:https";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Authenticator, Credentials } from "./auth.ts";
import { type ApiResponse, handleApiRequest } from "./dispatch.ts";
import { FailurePlan, type OutageMode, RequestHooks } from "./faults.ts";
import {
  answerAccessReview,
  forbiddenStatus,
  type PolicyRule,
  rulesAllow,
  SELF_SUBJECT_ACCESS_REVIEWS,
} from "./rbac.ts";
import { RequestLog, type RequestRecord } from "./request_log.ts";
import { resolveRequest } from "./routes.ts";
import { failureStatus } from "./status.ts";
import type { ObjectStore } from "./store.ts";
import { startWatch, type WatchHandle, type WatchOptions } from "./watch.ts";

/** TLS material for the server (PEM text). */
export interface KubeApiTls {
  /** Server certificate. */
  readonly cert: string;
  /** Server private key. */
  readonly key: string;
  /** CA that signed the server certificate and that client certificates must chain to. */
  readonly ca: string;
}

/** What the transport needs. */
export interface TransportOptions {
  /** TLS material; undefined serves plain HTTP. */
  readonly tls: KubeApiTls | undefined;
  /** Maps request credentials to a user (undefined: 401). */
  readonly authenticate: Authenticator;
  /** The objects served. */
  readonly store: ObjectStore;
  /** Interval of BOOKMARK events. */
  readonly bookmarkIntervalMs: number;
}

/** The listening server and everything attached to it. */
export class Transport {
  /** The objects served. */
  readonly store: ObjectStore;
  /** Every request received. */
  readonly log: RequestLog = new RequestLog();
  /** Pending injected failures. */
  readonly failures: FailurePlan = new FailurePlan();
  /** Actions due before matching requests. */
  readonly hooks: RequestHooks = new RequestHooks();
  /** Delay before answering each request. */
  latencyMs = 0;
  /** Interval of BOOKMARK events on watches opened from now on. */
  bookmarkIntervalMs: number;
  /** The current outage, or null. */
  outage: OutageMode | null = null;
  /** RBAC rules every user is held to; null allows everything. */
  rbac: readonly PolicyRule[] | null = null;
  /** The listen address. */
  hostname = "127.0.0.1";
  /** The listen port (the chosen one once listening). */
  port = 0;
  readonly #options: TransportOptions;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #watches = new Set<WatchHandle>();
  readonly #sleepers = new Set<{ timer?: ReturnType<typeof setTimeout>; wake: () => void }>();
  #outageChanged = Promise.withResolvers<void>();
  #stopped = false;

  /** Wires the transport; {@linkcode Transport.listen} starts it. */
  constructor(options: TransportOptions) {
    this.#options = options;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs;
    this.store = options.store;
  }

  /** How many watch streams are open. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Listens on `hostname`:`port` (0: a free port). */
  async listen(port: number, hostname: string): Promise<void> {
    const server = this.#options.tls
      ? https.createServer({
        cert: this.#options.tls.cert,
        key: this.#options.tls.key,
        ca: this.#options.tls.ca,
        requestCert: true,
        rejectUnauthorized: false,
      }, this.#onRequest)
      : http.createServer(this.#onRequest);
    server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, hostname, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    this.port = typeof address === "object" && address ? address.port : port;
    this.hostname = hostname;
    this.#server = server;
  }

  /**
   * Enters or leaves an outage. Entering any outage closes open watches; `refuse` stops
   * listening and drops every connection; leaving `refuse` listens on the same port again;
   * requests held by `hang` go on under the new mode.
   */
  async setOutage(mode: OutageMode | null): Promise<void> {
    if (this.#stopped) return;
    const previous = this.outage;
    this.outage = mode;
    if (mode !== null) this.#closeWatches();
    if (mode === "refuse" && previous !== "refuse") await this.#unlisten();
    if (mode !== "refuse" && previous === "refuse") await this.listen(this.port, this.hostname);
    const changed = this.#outageChanged;
    this.#outageChanged = Promise.withResolvers<void>();
    changed.resolve();
  }

  /** Stops for good: watches, held requests, timers, listener and sockets. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#closeWatches();
    for (const sleeper of this.#sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.#outageChanged.resolve();
    await this.#unlisten();
  }

  #closeWatches(): void {
    for (const watch of [...this.#watches]) watch.stop();
  }

  async #unlisten(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#serve(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        send(res, {
          kind: "json",
          status: 500,
          body: failureStatus(500, { message: String(error) }),
        });
      }
    });
  };

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const info = resolveRequest(req.method ?? "GET", url);
    const user = this.#options.authenticate(credentialsOf(req, this.#options.tls !== undefined));
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ??
      "";
    const record: RequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(info.verb ? { verb: info.verb } : {}),
      resource: info.resource,
      ...(info.subresource !== undefined ? { subresource: info.subresource } : {}),
      ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
      ...(info.name !== undefined ? { name: info.name } : {}),
      ...(user ? { user: user.name } : {}),
      status: 0,
      ...(contentType !== "" ? { contentType } : {}),
      at: Date.now(),
    };
    this.log.add(record);
    const reply = (result: ApiResponse, headers: Record<string, string> = {}) => {
      record.status = result.status;
      send(res, result, headers);
    };
    if (!(await this.#passOutage(reply))) return;
    if (this.latencyMs > 0) {
      await this.#sleep(this.latencyMs);
      if (!(await this.#passOutage(reply))) return;
    }
    if (!user) return reply({ kind: "json", status: 401, body: failureStatus(401) });
    this.hooks.run(record);
    if (this.rbac && !rulesAllow(this.rbac, info)) {
      return reply({ kind: "json", status: 403, body: forbiddenStatus(user, info) });
    }
    const failure = this.failures.take(record);
    if (failure) {
      const status = failure.status.code ?? 500;
      return reply({ kind: "json", status, body: failure.status }, { ...failure.headers });
    }
    if (url.pathname === SELF_SUBJECT_ACCESS_REVIEWS && req.method === "POST") {
      return reply({ kind: "json", ...answerAccessReview(this.rbac, user, body) });
    }
    const result = handleApiRequest(this.store, {
      info,
      query: url.searchParams,
      contentType,
      body,
    }, { bookmarkIntervalMs: this.bookmarkIntervalMs });
    if (result.kind !== "watch") return reply(result);
    if (res.destroyed) return;
    record.status = 200;
    this.#stream(res, result.options);
  }

  /** Waits out a hang, answers a 503; false when the request must not go on. */
  async #passOutage(reply: (result: ApiResponse) => void): Promise<boolean> {
    while (!this.#stopped && this.outage === "hang") await this.#outageChanged.promise;
    if (this.#stopped || this.outage === "refuse") return false;
    if (this.outage === "503") {
      reply({ kind: "json", status: 503, body: failureStatus(503) });
      return false;
    }
    return true;
  }

  #stream(res: ServerResponse, options: WatchOptions): void {
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Audit-Id": crypto.randomUUID(),
    });
    res.flushHeaders();
    let ended = false;
    const handle = startWatch(this.store, {
      write: (chunk) => void res.write(chunk),
      end: () => void res.end(),
    }, {
      ...options,
      onEnd: () => {
        ended = true;
        this.#watches.delete(handle);
      },
    });
    if (ended) return;
    this.#watches.add(handle);
    res.on("close", () => handle.stop());
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper: { timer?: ReturnType<typeof setTimeout>; wake: () => void } = {
        wake: () => {
          this.#sleepers.delete(sleeper);
          resolve();
        },
      };
      sleeper.timer = setTimeout(sleeper.wake, ms);
      this.#sleepers.add(sleeper);
    });
  }
}

function credentialsOf(req: IncomingMessage, tls: boolean): Credentials {
  const authorization = req.headers.authorization;
  if (!tls) return { authorization };
  const socket = req.socket as TLSSocket;
  const peer = socket.getPeerCertificate?.();
  const subject = peer && typeof peer === "object" ? peer.subject : undefined;
  if (!subject || Object.keys(subject).length === 0) return { authorization };
  return {
    authorization,
    clientCert: {
      authorized: socket.authorized === true,
      subject: subject as unknown as Record<string, string | string[]>,
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    req.on("end", () => resolve(new TextDecoder().decode(concat(chunks))));
    req.on("error", reject);
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function send(
  res: ServerResponse,
  result: ApiResponse,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return;
  const text = result.kind === "text" ? result.body : JSON.stringify(result.body);
  const bytes = new TextEncoder().encode(text);
  res.writeHead(result.status, {
    "Content-Type": result.kind === "text" ? "text/plain; charset=utf-8" : "application/json",
    "Content-Length": String(bytes.length),
    "Cache-Control": "no-cache, private",
    "Audit-Id": crypto.randomUUID(),
    ...headers,
  });
  res.end(bytes);
}
