/**
 * multus-daemon's HTTP API as one function from `Request` to `Response`, bound to the
 * unix socket by `server.ts` and called directly by tests:
 *
 * - `POST /cni`: a shim's CNI call; 200 with `{"Result": <1.0.0 result>}` for ADD or an
 *   empty body, else 400 with the CNI error JSON `{"code","msg","details"}` (its code
 *   kept, so the shim and the runtime see it). Once shutdown began, any command but DEL
 *   is answered 503 with CNI error 11 before it runs (ours: our shim posts without asking
 *   `/readyz` first and waits for readiness on that answer); a DEL is still served;
 * - `POST /delegate`: one delegate for dynamic-attachment controllers;
 * - `GET|POST /healthz`: 200; `GET|POST /readyz`: 200, or 500 once shutdown began;
 * - a wrong method: 405 `Method not allowed`; anything else: 404.
 *
 * CNI work runs through the {@linkcode Limiter}: a burst beyond `connectionLimit` waits
 * in a bounded queue; beyond that the answer is CNI error 11 (try again later). This is
 * the one place the daemon serialises errors. A request body larger than `maxRequestBytes`
 * is refused (400, CNI error 6) as soon as the bound is crossed, without reading the rest.
 *
 * @module
 */
import { CniCode, CniError } from "../cni/error.ts";
import type { CniResult } from "../cni/types.ts";
import { convertResult } from "../engine/mod.ts";
import type { Logger } from "../platform/log.ts";
import { type CniRequest, decodeCniRequest, describeArgs } from "./cni_request.ts";
import type { Limiter } from "./limiter.ts";
import { DEFAULT_MAX_REQUEST_BYTES, readBoundedText } from "./request_body.ts";

/** What the handler runs for a decoded request. */
export interface DaemonCommands {
  cni(request: CniRequest): Promise<CniResult | void>;
  delegate(request: CniRequest): Promise<CniResult | void>;
}

/** What the handler reports per request (the metrics implement it). */
export interface RequestObserver {
  requestStarted(handler: string, command: string): void;
  requestFinished(
    handler: string,
    command: string,
    outcome: { httpCode: number; cniCode?: number; seconds: number; method: string },
  ): void;
}

/** The handler's dependencies. */
export interface HandlerDeps {
  commands: DaemonCommands;
  limiter: Limiter;
  /** False once graceful shutdown began (`/readyz` then answers 500). */
  isReady(): boolean;
  logger: Logger;
  observer?: RequestObserver;
  now?(): number;
  /** The largest request body read (default 1 MiB); a larger one is CNI error 6. */
  maxRequestBytes?: number;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The status of a CNI request refused because the daemon is not ready (shutting down). */
export const NOT_READY_STATUS = 503;

/** A CNI request that arrived after shutdown began. */
class NotReady extends CniError {
  constructor() {
    super(
      CniCode.TryAgainLater,
      "multus-daemon is not ready (it is shutting down); try again later",
    );
  }
}

/**
 * The daemon's wire form of a CNI error: `status` (400 as Multus, unless told) with
 * `{"code","msg","details"}`.
 */
export function cniErrorResponse(err: CniError, status = 400): Response {
  const wire: Record<string, unknown> = { code: err.code, msg: err.message };
  if (err.details) wire.details = err.details;
  return new Response(JSON.stringify(wire), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Builds the daemon's request handler. */
export function createHandler(deps: HandlerDeps): (req: Request) => Promise<Response> {
  const now = deps.now ?? (() => performance.now());
  const maxRequestBytes = deps.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;

  async function serveCni(req: Request, handler: "/cni" | "/delegate"): Promise<Response> {
    const started = now();
    let command = "";
    let response: Response;
    let cniCode: number | undefined;
    deps.observer?.requestStarted(handler, "");
    try {
      const request = decodeCniRequest(await readBoundedText(req, maxRequestBytes));
      command = request.command;
      if (handler === "/cni" && command !== "DEL" && !deps.isReady()) {
        throw new NotReady();
      }
      const result = await deps.limiter.run(() =>
        handler === "/cni" ? deps.commands.cni(request) : deps.commands.delegate(request)
      );
      if (request.command === "ADD" && result) {
        const r = result.cniVersion === "1.0.0" ? result : convertResult(result, "1.0.0");
        const body: Record<string, unknown> = { Result: r };
        // Multus's protocol: `Result` is 1.0.0 and the shim converts. We also send it in the
        // shim config's version, so our shim needs no engine on its per-pod path.
        const wanted = request.args.cniVersion;
        if (wanted !== "1.0.0") {
          try {
            body.ConfigVersionResult = convertResult(r, wanted);
          } catch {
            // the shim converts and reports the problem
          }
        }
        response = new Response(JSON.stringify(body), {
          status: 200,
          headers: { "content-type": "application/json" },
        });
      } else {
        response = new Response(null, { status: 200 });
      }
      deps.logger.verbose(`${command} finished CNI request ${describeArgs(request.args)}`);
    } catch (err) {
      const e = CniError.from(err);
      cniCode = e.code;
      deps.logger.error(`${command || "request"} ERRORED: ${e.message}`);
      response = cniErrorResponse(e, err instanceof NotReady ? NOT_READY_STATUS : 400);
    }
    deps.observer?.requestFinished(handler, command, {
      httpCode: response.status,
      ...(cniCode !== undefined ? { cniCode } : {}),
      seconds: (now() - started) / 1000,
      method: req.method,
    });
    return response;
  }

  return async function handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    switch (path) {
      case "/cni":
      case "/delegate":
        if (req.method !== "POST") return text(405, "Method not allowed\n");
        return await serveCni(req, path);
      case "/healthz":
        if (req.method !== "GET" && req.method !== "POST") return text(405, "Method not allowed\n");
        await req.body?.cancel();
        return new Response(null, { status: 200 });
      case "/readyz":
        if (req.method !== "GET" && req.method !== "POST") return text(405, "Method not allowed\n");
        await req.body?.cancel();
        return new Response(null, { status: deps.isReady() ? 200 : 500 });
      default:
        await req.body?.cancel();
        return new Response(null, { status: 404 });
    }
  };
}
