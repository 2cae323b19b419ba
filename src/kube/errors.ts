/**
 * Errors of the Kubernetes client: {@linkcode KubeApiError} for an HTTP error answer
 * (decoded from its `Status` body), the transport's {@linkcode TransportError} for no
 * answer at all, and the predicates Multus's retry policies need.
 *
 * @module
 */
import { TransportError } from "../platform/http.ts";
import type { KubeStatus } from "./types.ts";

export { TransportError };

/** What client-go says when an error response carries no `Status` (`newUnstructuredResponseError`). */
const DEFAULT_MESSAGES: Readonly<Record<number, [string, string]>> = {
  400: ["BadRequest", "the server rejected our request for an unknown reason"],
  401: ["Unauthorized", "the server has asked for the client to provide credentials"],
  403: ["Forbidden", "the server does not allow access to the requested resource"],
  404: ["NotFound", "the server could not find the requested resource"],
  405: ["MethodNotAllowed", "the server does not allow this method on the requested resource"],
  409: ["Conflict", "the server reported a conflict"],
  410: ["Expired", "the resource is gone"],
  415: [
    "UnsupportedMediaType",
    "the server responded with the status code 415 but did not return more information",
  ],
  422: ["Invalid", "the server rejected our request due to an error in our request"],
  429: [
    "TooManyRequests",
    "the server has received too many requests and has asked us to try again later",
  ],
  500: [
    "InternalError",
    'an error on the server ("unknown") has prevented the request from succeeding',
  ],
  503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
  504: [
    "Timeout",
    "the server was unable to return a response in the time allotted, but may still be processing the request",
  ],
};

/** Options of {@linkcode KubeApiError}. */
export interface KubeApiErrorOptions {
  /** HTTP method of the request. */
  method: string;
  /** Path and query of the request (no host, no credentials). */
  path: string;
  /** The decoded `Status` body, when the server sent one. */
  status?: KubeStatus;
  /**
   * Where the credentials came from, for a 401/403 (e.g. `token file /path`); never the
   * secret itself.
   */
  credentialSource?: string;
}

/**
 * An error answer from the API server. `message` is the `Status` message, exactly as
 * client-go's `%v` prints it (`pods "x" not found`, `Unauthorized`), so Multus's wrapped
 * messages keep their wording.
 */
export class KubeApiError extends Error {
  /** The HTTP status code. */
  readonly code: number;
  /** `Status.reason` (`NotFound`, `Conflict`, ...). */
  readonly reason: string;
  /** The whole `Status`, when there was one. */
  readonly status: KubeStatus | undefined;
  /** The request, as `METHOD /path?query`. */
  readonly request: string;
  /**
   * For 401 and 403: a sentence naming the credential that was refused, to put in
   * `details` or a log. Not part of `message`, which keeps Multus's wording.
   */
  readonly hint: string | undefined;

  /** Builds the error for HTTP `code`. */
  constructor(code: number, options: KubeApiErrorOptions) {
    const fallback = DEFAULT_MESSAGES[code];
    const message = options.status?.message ||
      fallback?.[1] ||
      `the server responded with the status code ${code} but did not return more information`;
    super(message);
    this.name = "KubeApiError";
    this.code = code;
    this.reason = options.status?.reason || fallback?.[0] || "Unknown";
    this.status = options.status;
    this.request = `${options.method} ${options.path}`;
    this.hint = (code === 401 || code === 403) && options.credentialSource
      ? `${options.method} ${options.path}: the API server ${
        code === 401 ? "rejected" : "refused access with"
      } the credentials from ${options.credentialSource}`
      : undefined;
  }
}

/** Decodes an error response body: a `Status` if it is one, else undefined. */
export function parseStatus(text: string): KubeStatus | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === "object" && (body as KubeStatus).kind === "Status") {
      return body as KubeStatus;
    }
  } catch {
    // not JSON: an HTML page from a proxy, say
  }
  return undefined;
}

/** A 404 from the API (`apierrors.IsNotFound`). */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && (err.code === 404 || err.reason === "NotFound");
}

/** A 409 from the API: a conflict, an `AlreadyExists`, or a failed UID precondition. */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409;
}

/**
 * A write refused because the object's UID differs from the one the client named: the
 * pod was deleted and recreated under the same name. The API server answers 409
 * (`Precondition failed: UID in precondition`) to a PUT and, as the test double does for a
 * PATCH, 422 Invalid on `metadata.uid` (`field is immutable`); both count.
 */
export function isUidMismatch(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  if (err.code === 409) return err.message.includes("UID in precondition");
  return err.code === 422 &&
    (err.status?.details?.causes ?? []).some((c) => c.field === "metadata.uid");
}

/** A 403 from the API: RBAC (or an admission plugin) refused the request. */
export function isForbidden(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 403;
}

/** A 401 from the API. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 401;
}

const RETRIABLE_CODES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * Worth another try: 429, 500, 502, 503, 504, or a refused, reset or timed-out connection.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof KubeApiError) return RETRIABLE_CODES.has(err.code);
  return err instanceof TransportError && err.retriable;
}

/**
 * The CNI code for a failed API call: 11 (try again later) when {@linkcode isRetriable}
 * (refused, reset or timed-out connections, 429, 5xx), so the runtime retries the pod;
 * otherwise 999.
 */
export function cniCodeOf(err: unknown): number {
  return isRetriable(err) ? 11 : 999;
}

/**
 * Credentials could not be obtained (token file unreadable, exec plugin failed). The
 * message reads like client-go's (`Get "<url>": getting credentials: exec: ...`) and names
 * the file or command, never the secret.
 */
export class KubeCredentialError extends Error {
  /** Builds the error; `message` is complete. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KubeCredentialError";
  }
}
