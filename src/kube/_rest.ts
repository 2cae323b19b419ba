/**
 * The request engine under the lean client (folder-private): credentials per request,
 * one transport per client certificate (rebuilt when the certificate rotates, the old one
 * closed once idle), JSON in and out, the per-request timeout, one retry after a 401 when
 * the credentials can be refreshed, and the request hook.
 *
 * @module
 */
import {
  createHttpTransport,
  type HttpResponse,
  type HttpTransport,
  type HttpTransportOptions,
} from "../platform/http.ts";
import type { CredentialSource, RequestCredentials } from "./credentials.ts";
import { KubeApiError, KubeCredentialError, parseStatus } from "./errors.ts";
import type { ServerTls } from "./_config.ts";

/** One HTTP exchange with the API server, as the request hook sees it. */
export interface KubeRequestInfo {
  method: string;
  /** Path without the query. */
  path: string;
  /** HTTP status, or null when there was no response. */
  status: number | null;
  durationMs: number;
}

/** What a caller asks the engine to send. */
export interface RestRequest {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Settings of a {@linkcode RestEngine}. */
export interface RestEngineOptions {
  server: string;
  tls: ServerTls;
  credentials: CredentialSource;
  userAgent: string;
  timeoutMs: number;
  transportFactory?: (options: HttpTransportOptions) => HttpTransport;
  onRequest?: (info: KubeRequestInfo) => void;
}

interface PoolEntry {
  transport: HttpTransport;
  refs: number;
  retired: boolean;
}

/** Sends requests to one API server. */
export class RestEngine {
  readonly #o: RestEngineOptions;
  readonly #pool = new Map<string, PoolEntry>();
  #currentKey: string | undefined;

  /** An engine for `options.server`. */
  constructor(options: RestEngineOptions) {
    this.#o = options;
  }

  #acquire(creds: RequestCredentials): { transport: HttpTransport; release: () => void } {
    const cert = creds.clientCert;
    const key = cert ? `${cert.certPem}\0${cert.keyPem}` : "";
    if (this.#currentKey !== undefined && this.#currentKey !== key) {
      const old = this.#pool.get(this.#currentKey);
      if (old) {
        old.retired = true;
        if (old.refs === 0) this.#drop(this.#currentKey);
      }
    }
    this.#currentKey = key;
    let entry = this.#pool.get(key);
    if (!entry) {
      const make = this.#o.transportFactory ?? createHttpTransport;
      entry = {
        transport: make({
          ...(this.#o.tls.caPems ? { caPems: this.#o.tls.caPems } : {}),
          ...(cert ? { certPem: cert.certPem, keyPem: cert.keyPem } : {}),
          ...(this.#o.tls.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
          ...(this.#o.tls.serverName ? { serverName: this.#o.tls.serverName } : {}),
        }),
        refs: 0,
        retired: false,
      };
      this.#pool.set(key, entry);
    }
    entry.refs++;
    const e = entry;
    let released = false;
    return {
      transport: e.transport,
      release: () => {
        if (released) return;
        released = true;
        e.refs--;
        if (e.retired && e.refs === 0) this.#drop(key);
      },
    };
  }

  #drop(key: string): void {
    const e = this.#pool.get(key);
    if (!e) return;
    this.#pool.delete(key);
    e.transport.close();
  }

  /** The full URL for `path` and `query`. */
  url(path: string, query?: RestRequest["query"]): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== "") params.set(k, String(v));
    }
    const qs = params.toString();
    return `${this.#o.server}${path}${qs ? `?${qs}` : ""}`;
  }

  /**
   * Sends `req`. A 2xx response is returned unread (the caller reads or cancels it); any
   * other status throws a {@linkcode KubeApiError}.
   */
  async send(req: RestRequest): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const pathAndQuery = url.slice(this.#o.server.length);
    for (let attempt = 0;; attempt++) {
      let creds: RequestCredentials;
      try {
        creds = await this.#o.credentials.get();
      } catch (err) {
        const method = req.method.charAt(0) + req.method.slice(1).toLowerCase();
        throw new KubeCredentialError(`${method} "${url}": ${(err as Error).message}`, {
          cause: err,
        });
      }
      const headers: Record<string, string> = {
        "accept": "application/json",
        "user-agent": this.#o.userAgent,
      };
      if (creds.authorization) headers["authorization"] = creds.authorization;
      if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
      const { transport, release } = this.#acquire(creds);
      const started = performance.now();
      let res: HttpResponse;
      try {
        res = await transport.request({
          method: req.method,
          url,
          headers,
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          timeoutMs: req.timeoutMs ?? this.#o.timeoutMs,
          ...(req.signal ? { signal: req.signal } : {}),
        });
      } catch (err) {
        release();
        this.#report(req, null, started);
        throw err;
      }
      this.#report(req, res.status, started);
      if (res.status === 401 && attempt === 0 && this.#o.credentials.invalidate()) {
        await res.cancel();
        release();
        continue;
      }
      if (res.status < 200 || res.status > 299) {
        let text = "";
        try {
          text = await res.text();
        } catch {
          // the status code alone still tells what happened
        } finally {
          release();
        }
        throw new KubeApiError(res.status, {
          method: req.method,
          path: pathAndQuery,
          ...(parseStatus(text) ? { status: parseStatus(text)! } : {}),
          credentialSource: this.#o.credentials.description,
        });
      }
      return releasing(res, release);
    }
  }

  /** Sends `req` and decodes the JSON body. */
  async json<T>(req: RestRequest): Promise<T> {
    const res = await this.send(req);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${req.method} ${req.path}: the API server sent a body that is not JSON`);
    }
  }

  #report(req: RestRequest, status: number | null, started: number): void {
    this.#o.onRequest?.({
      method: req.method,
      path: req.path,
      status,
      durationMs: performance.now() - started,
    });
  }

  /** Closes every transport. */
  close(): void {
    for (const key of [...this.#pool.keys()]) this.#drop(key);
    this.#currentKey = undefined;
  }
}

/** `res`, calling `release` once its body is read or cancelled. */
function releasing(res: HttpResponse, release: () => void): HttpResponse {
  return {
    status: res.status,
    headers: res.headers,
    async text(): Promise<string> {
      try {
        return await res.text();
      } finally {
        release();
      }
    },
    async *lines(): AsyncGenerator<string> {
      try {
        yield* res.lines();
      } finally {
        release();
      }
    },
    async cancel(): Promise<void> {
      try {
        await res.cancel();
      } finally {
        release();
      }
    },
  };
}
