/**
 * The `node:https` back end of `http.ts`, for what `Deno.createHttpClient` cannot do:
 * skip server verification (`insecure-skip-tls-verify`) and verify against another name
 * (`tls-server-name`). Loaded only when a transport needs it.
 *
 * @module
 */
import https from "node:https";
import http from "node:http";
import type { IncomingMessage } from "node:http";
import {
  classifyTransportError,
  Deadline,
  type Exchange,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  type HttpTransportOptions,
  makeResponse,
} from "./http.ts";

/** A transport over `node:https` with its own keep-alive agent. */
export function nodeTransport(options: HttpTransportOptions): HttpTransport {
  const tls = {
    rejectUnauthorized: options.insecureSkipVerify !== true,
    ...(options.caPems?.length ? { ca: options.caPems } : {}),
    ...(options.certPem && options.keyPem ? { cert: options.certPem, key: options.keyPem } : {}),
    ...(options.serverName ? { servername: options.serverName } : {}),
  };
  const agent = new https.Agent({ keepAlive: true, ...tls });
  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      const deadline = new Deadline(req.timeoutMs, req.signal);
      const ex: Exchange = { method: req.method, url: req.url, timeoutMs: req.timeoutMs, deadline };
      const url = new URL(req.url);
      const secure = url.protocol === "https:";
      let incoming: IncomingMessage;
      try {
        incoming = await new Promise<IncomingMessage>((resolve, reject) => {
          const call = (secure ? https.request : http.request)({
            method: req.method,
            hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
            port: url.port || (secure ? 443 : 80),
            path: url.pathname + url.search,
            headers: req.body === undefined ? req.headers : {
              ...req.headers,
              "content-length": String(new TextEncoder().encode(req.body).length),
            },
            ...(secure ? { agent, ...tls } : {}),
          }, resolve);
          call.on("error", reject);
          const abort = (): void => {
            call.destroy(new DOMException("The signal has been aborted", "AbortError"));
          };
          deadline.controller.signal.addEventListener("abort", abort, { once: true });
          if (deadline.controller.signal.aborted) abort();
          call.end(req.body);
        });
      } catch (err) {
        deadline.done();
        throw classifyTransportError(err, { ...req, timedOut: deadline.timedOut });
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        for (const v of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, v);
      }
      incoming.setEncoding("utf8");
      const abortBody = (): void => {
        incoming.destroy(new DOMException("The signal has been aborted", "AbortError"));
      };
      deadline.controller.signal.addEventListener("abort", abortBody, { once: true });
      return makeResponse(ex, incoming.statusCode ?? 0, headers, {
        async *chunks(): AsyncGenerator<string> {
          for await (const chunk of incoming) yield chunk as string;
        },
        cancel(): Promise<void> {
          deadline.controller.signal.removeEventListener("abort", abortBody);
          incoming.destroy();
          return Promise.resolve();
        },
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
