/**
 * The HTTP transport of the Kubernetes client: `fetch` over a `Deno.createHttpClient`
 * (custom CA, mTLS client certificate), with a per-request timeout, an AbortSignal, and
 * connection failures surfaced as a typed {@linkcode TransportError}.
 *
 * `Deno.createHttpClient` cannot skip server verification nor set the TLS server name
 * (SNI), so `insecureSkipVerify` and `serverName` switch to `node:https`, imported lazily
 * only in that case.
 *
 * @module
 */
import { afterMs } from "./clock.ts";
import { ABORTED, raceAbort } from "./abort_race.ts";
import { importLazily } from "./lazy_import.ts";

/** TLS settings of a transport. */
export interface HttpTransportOptions {
  /** CA certificates (PEM) to trust instead of the system roots. */
  caPems?: string[];
  /** Client certificate (PEM) for mTLS; needs `keyPem`. */
  certPem?: string;
  /** Client private key (PEM) for mTLS. */
  keyPem?: string;
  /** Do not verify the server certificate (kubeconfig `insecure-skip-tls-verify`). */
  insecureSkipVerify?: boolean;
  /** Name to verify the server certificate against (kubeconfig `tls-server-name`). */
  serverName?: string;
}

/** One request. */
export interface HttpRequest {
  /** `GET`, `PATCH`, ... */
  method: string;
  /** Absolute `http:` or `https:` URL. */
  url: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** The body, sent as UTF-8. */
  body?: string;
  /**
   * Milliseconds until the whole exchange is aborted with a `timeout` error: headers and
   * {@linkcode HttpResponse.text}. {@linkcode HttpResponse.lines} stops the clock, since a
   * stream lives as long as the server or `signal` says.
   */
  timeoutMs?: number;
  /** Aborts the request (and a running stream) when it fires. */
  signal?: AbortSignal;
}

/** A response whose body has not been read yet. Read it or cancel it. */
export interface HttpResponse {
  /** The HTTP status code. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The whole body as text. */
  text(): Promise<string>;
  /** The body split on `\n` (a watch stream); ends quietly when the request's signal aborts. */
  lines(): AsyncIterable<string>;
  /** Discards the body and frees the connection. */
  cancel(): Promise<void>;
}

/** Sends requests over one TLS configuration. */
export interface HttpTransport {
  /** Sends `req`; rejects with a {@linkcode TransportError} when no response arrives. */
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Frees pooled connections. Requests still running may fail. */
  close(): void;
}

/** Why a request got no HTTP response. */
export type TransportErrorKind =
  | "refused"
  | "reset"
  | "timeout"
  | "tls"
  | "dns"
  | "aborted"
  | "other";

const RETRIABLE: ReadonlySet<TransportErrorKind> = new Set(["refused", "reset", "timeout"]);

/**
 * A request that got no HTTP response. The message reads like Go's `url.Error`
 * (`Get "https://...": connect: connection refused`) and never holds header values.
 */
export class TransportError extends Error {
  /** What went wrong. */
  readonly kind: TransportErrorKind;

  /** Builds the error; `message` is complete. */
  constructor(kind: TransportErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TransportError";
    this.kind = kind;
  }

  /** Refused, reset and timed-out connections are worth another try. */
  get retriable(): boolean {
    return RETRIABLE.has(this.kind);
  }
}

const PATTERNS: Array<[TransportErrorKind, RegExp, string]> = [
  ["refused", /connection refused|ECONNREFUSED/i, "connect: connection refused"],
  [
    "reset",
    /connection reset|ECONNRESET|connection closed before message completed|socket hang up|broken pipe|EPIPE|unexpected[ _-]?eof|close_notify|incomplete message/i,
    "connection reset by peer",
  ],
  [
    "tls",
    /UnknownIssuer|UNABLE_TO_VERIFY|SELF_SIGNED|unable to get local issuer/i,
    "tls: failed to verify certificate: x509: certificate signed by unknown authority",
  ],
  [
    "tls",
    /NotValidForName|ALTNAME|does not match certificate/i,
    "tls: failed to verify certificate: x509: certificate is valid for other names",
  ],
  [
    "tls",
    /Expired|CERT_HAS_EXPIRED/i,
    "tls: failed to verify certificate: x509: certificate has expired or is not yet valid",
  ],
  ["tls", /certificate|tls|handshake|ssl|alert/i, "tls: handshake failed"],
  ["dns", /dns error|ENOTFOUND|EAI_AGAIN|lookup/i, "dial tcp: lookup failed: no such host"],
];

function goMethod(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
}

function detailOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  const code = (err as { code?: unknown }).code;
  return `${err.message}${cause}${typeof code === "string" ? ` (${code})` : ""}`;
}

/** Turns whatever `fetch` or `node:https` threw into a {@linkcode TransportError}. */
export function classifyTransportError(
  err: unknown,
  req: { method: string; url: string; timedOut?: boolean; timeoutMs?: number | undefined },
): TransportError {
  if (err instanceof TransportError) return err;
  const where = `${goMethod(req.method)} "${req.url}"`;
  if (req.timedOut) {
    return new TransportError(
      "timeout",
      `${where}: context deadline exceeded (no response within ${req.timeoutMs} ms)`,
      { cause: err },
    );
  }
  if (err instanceof DOMException && err.name === "AbortError") {
    return new TransportError("aborted", `${where}: context canceled`, { cause: err });
  }
  const detail = detailOf(err);
  // Match on the reason only: a URL path (a pod named "tls-proxy") must not steer the kind.
  const reason = detail.replace(/\bhttps?:\/\/[^\s)]*/g, "<url>");
  for (const [kind, re, text] of PATTERNS) {
    if (re.test(reason)) {
      return new TransportError(kind, `${where}: ${text} (${shorten(detail)})`, { cause: err });
    }
  }
  return new TransportError("other", `${where}: ${shorten(detail)}`, { cause: err });
}

function shorten(detail: string): string {
  return detail.replace(/^fetch failed: /, "").replace(/\s+/g, " ").slice(0, 300);
}

/** A timer plus the caller's signal, merged into one AbortController (for `http_node.ts`). */
export class Deadline {
  readonly controller = new AbortController();
  timedOut = false;
  #cancelTimer: (() => void) | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = (): void => this.controller.abort();

  constructor(timeoutMs: number | undefined, signal: AbortSignal | undefined) {
    this.#signal = signal;
    if (signal?.aborted) this.controller.abort();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0) {
      this.#cancelTimer = afterMs(timeoutMs, () => {
        this.timedOut = true;
        this.controller.abort();
      });
    }
  }

  get callerAborted(): boolean {
    return this.#signal?.aborted === true;
  }

  /** Stops the clock but keeps following the caller's signal. */
  stopClock(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  /** Stops everything. */
  done(): void {
    this.stopClock();
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of chunks) {
    buf += chunk;
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
    }
  }
  if (buf !== "") yield buf;
}

/** One request in flight (for `http_node.ts`). */
export interface Exchange {
  method: string;
  url: string;
  timeoutMs: number | undefined;
  deadline: Deadline;
}

/** Wraps a body source with the deadline handling shared by both back ends. */
export function makeResponse(
  ex: Exchange,
  status: number,
  headers: Headers,
  body: { chunks(): AsyncIterable<string>; cancel(): Promise<void> },
): HttpResponse {
  const fail = (err: unknown): TransportError =>
    classifyTransportError(err, { ...ex, timedOut: ex.deadline.timedOut });
  return {
    status,
    headers,
    async text(): Promise<string> {
      let out = "";
      try {
        for await (const chunk of body.chunks()) out += chunk;
        return out;
      } catch (err) {
        throw fail(err);
      } finally {
        ex.deadline.done();
      }
    },
    async *lines(): AsyncGenerator<string> {
      ex.deadline.stopClock();
      try {
        yield* splitLines(body.chunks());
      } catch (err) {
        if (ex.deadline.callerAborted) return;
        throw fail(err);
      } finally {
        ex.deadline.done();
        await body.cancel().catch(() => {});
      }
    },
    async cancel(): Promise<void> {
      ex.deadline.done();
      await body.cancel().catch(() => {});
    },
  };
}

function fetchTransport(options: HttpTransportOptions): HttpTransport {
  const needsClient = options.caPems?.length || options.certPem;
  const client = needsClient
    ? Deno.createHttpClient({
      ...(options.caPems?.length ? { caCerts: options.caPems } : {}),
      ...(options.certPem && options.keyPem ? { cert: options.certPem, key: options.keyPem } : {}),
    })
    : undefined;
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const deadline = new Deadline(req.timeoutMs, req.signal);
      const ex: Exchange = { method: req.method, url: req.url, timeoutMs: req.timeoutMs, deadline };
      let res: Response;
      try {
        res = await fetch(req.url, {
          method: req.method,
          headers: req.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          signal: deadline.controller.signal,
          ...(client ? { client } : {}),
        });
      } catch (err) {
        deadline.done();
        throw classifyTransportError(err, { ...req, timedOut: deadline.timedOut });
      }
      const stream = res.body;
      return makeResponse(ex, res.status, res.headers, {
        async *chunks(): AsyncGenerator<string> {
          if (!stream) return;
          const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
          // fetch does not always end a body (seen with long watch streams) when its
          // signal aborts: stop reading on the abort ourselves.
          const signal = deadline.controller.signal;
          try {
            while (true) {
              const r = await raceAbort(reader.read(), signal);
              if (r === ABORTED) {
                throw new DOMException("The signal has been aborted", "AbortError");
              }
              if (r.done) return;
              yield r.value;
            }
          } finally {
            await reader.cancel().catch(() => {});
          }
        },
        async cancel(): Promise<void> {
          if (stream && !stream.locked) await stream.cancel();
        },
      });
    },
    close(): void {
      client?.close();
    },
  };
}

/**
 * A transport for one TLS configuration.
 *
 * @example Usage
 * ```ts ignore
 * const t = createHttpTransport({ caPems: [caPem] });
 * const res = await t.request({ method: "GET", url: "https://127.0.0.1:6443/version", headers: {}, timeoutMs: 1000 });
 * console.log(res.status, await res.text());
 * t.close();
 * ```
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  if (!options.insecureSkipVerify && !options.serverName) return fetchTransport(options);
  let node: Promise<HttpTransport> | undefined;
  let closed = false;
  const load = (): Promise<HttpTransport> =>
    node ??= importLazily<typeof import("./http_node.ts")>(
      new URL("./http_node.ts", import.meta.url),
    ).then((m) => m.nodeTransport(options));
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      return await (await load()).request(req);
    },
    close(): void {
      if (closed) return;
      closed = true;
      void node?.then((t) => t.close());
    },
  };
}
