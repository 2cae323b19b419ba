/**
 * Helpers for the double's own tests: HTTPS clients that trust the double, and a reader
 * for watch streams.
 *
 * @module
 */

import type { KubeApiDouble } from "./server.ts";

/** A Deno HTTP client trusting the double's CA, optionally presenting a client cert. */
export function clientFor(
  api: KubeApiDouble,
  identity?: { certPem: string; keyPem: string },
): Deno.HttpClient {
  return Deno.createHttpClient({
    caCerts: api.caPem ? [api.caPem] : [],
    ...(identity ? { cert: identity.certPem, key: identity.keyPem } : {}),
  });
}

/** Options of {@linkcode call}. */
export interface CallOptions {
  /** HTTP method (default GET). */
  readonly method?: string;
  /** Bearer token. */
  readonly token?: string;
  /** JSON body (stringified) or text. */
  readonly body?: unknown;
  /** `Content-Type` (default `application/json` when there is a body). */
  readonly contentType?: string;
  /** The client (default: a fresh one trusting the CA, closed after the call). */
  readonly client?: Deno.HttpClient;
}

/** One request to the double; returns the status and the parsed JSON body. */
export async function call(
  api: KubeApiDouble,
  path: string,
  options: CallOptions = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const client = options.client ?? clientFor(api);
  try {
    const headers: Record<string, string> = {};
    if (options.token) headers["Authorization"] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["Content-Type"] = options.contentType ?? "application/json";
    }
    const response = await fetch(api.url + path, {
      method: options.method ?? "GET",
      headers,
      ...(body !== undefined ? { body } : {}),
      client,
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  } finally {
    if (!options.client) client.close();
  }
}

/** One decoded watch event. */
export interface WatchEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown> };
}

/** Reads newline-delimited watch events from a streaming response. */
export class WatchReader {
  readonly response: Response;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #done = false;

  /** Wraps `response` (its body must be unread). */
  constructor(response: Response) {
    this.response = response;
    if (!response.body) throw new Error("watch response has no body");
    this.#reader = response.body.getReader();
  }

  /** The next event; rejects after `timeoutMs`, resolves undefined at end of stream. */
  async next(timeoutMs = 3000): Promise<WatchEvent | undefined> {
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line.trim() !== "") return JSON.parse(line);
        continue;
      }
      if (this.#done) return undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no watch event in ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const chunk = await Promise.race([this.#reader.read(), timeout]);
        if (chunk.done) this.#done = true;
        else this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      } catch (error) {
        if (error instanceof Error && error.message.startsWith("no watch event")) throw error;
        this.#done = true;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** The next event that is not a BOOKMARK. */
  async nextNonBookmark(timeoutMs = 3000): Promise<WatchEvent | undefined> {
    for (;;) {
      const event = await this.next(timeoutMs);
      if (event?.type !== "BOOKMARK") return event;
    }
  }

  /** Cancels the stream. */
  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Starts a watch request and returns its reader. */
export async function watch(
  api: KubeApiDouble,
  path: string,
  options: { token?: string; client: Deno.HttpClient },
): Promise<WatchReader> {
  const headers: Record<string, string> = {};
  if (options.token) headers["Authorization"] = `Bearer ${options.token}`;
  const response = await fetch(api.url + path, { headers, client: options.client });
  return new WatchReader(response);
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
