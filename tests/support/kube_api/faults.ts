/**
 * Injected failures: "the next n matching requests fail with this Status"; and actions
 * run just before a matching request ("the pod is recreated as the status write arrives").
 *
 * @module
 */

import { matchesRequest, type RequestFilter, type RequestRecord } from "./request_log.ts";
import { failureStatus, type StatusBody } from "./status.ts";

/** An outage: stop listening, answer 503 to everything, or accept and never answer. */
export type OutageMode = "refuse" | "503" | "hang";

/** The failure {@linkcode FailurePlan.failNext} injects. */
export interface FailureSpec {
  /** HTTP status code, e.g. 500, 503, 429, 409. */
  readonly code: number;
  /** Status `reason` (default: the usual one for `code`). */
  readonly reason?: string;
  /** Status `message` (default: the usual one for `code`). */
  readonly message?: string;
  /** Only requests passing this filter fail (and count). */
  readonly match?: RequestFilter;
  /** Sent as `Retry-After` and `details.retryAfterSeconds`. */
  readonly retryAfterSeconds?: number;
}

/** A failure due for a request: the Status and extra headers to send. */
export interface InjectedFailure {
  /** The Status body; its `code` is the HTTP status. */
  readonly status: StatusBody;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A queue of pending injected failures. */
export class FailurePlan {
  readonly #pending: { remaining: number; spec: FailureSpec }[] = [];

  /** The next `count` requests passing `spec.match` fail with `spec`. */
  failNext(count: number, spec: FailureSpec): void {
    if (count > 0) this.#pending.push({ remaining: count, spec });
  }

  /** Consumes and returns the failure due for `record`, if any. */
  take(record: RequestRecord): InjectedFailure | undefined {
    const entry = this.#pending.find((p) => matchesRequest(record, p.spec.match));
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#pending.splice(this.#pending.indexOf(entry), 1);
    const { spec } = entry;
    const options: { reason?: string; message?: string; details?: { retryAfterSeconds: number } } =
      {};
    if (spec.reason !== undefined) options.reason = spec.reason;
    if (spec.message !== undefined) options.message = spec.message;
    const headers: Record<string, string> = {};
    if (spec.retryAfterSeconds !== undefined) {
      options.details = { retryAfterSeconds: spec.retryAfterSeconds };
      headers["Retry-After"] = String(spec.retryAfterSeconds);
    }
    return { status: failureStatus(spec.code, options), headers };
  }

  /** Drops every pending failure. */
  clear(): void {
    this.#pending.length = 0;
  }
}

/** Actions to run just before a matching request is served (a race made to order). */
export class RequestHooks {
  readonly #pending: { match: RequestFilter | undefined; fn: () => void }[] = [];

  /** `fn` runs once, just before the next request passing `match` is authorized and served. */
  beforeNext(match: RequestFilter | undefined, fn: () => void): void {
    this.#pending.push({ match, fn });
  }

  /** Runs (and forgets) the first action due for `record`, if any. */
  run(record: RequestRecord): void {
    const index = this.#pending.findIndex((p) => matchesRequest(record, p.match));
    if (index < 0) return;
    const [hook] = this.#pending.splice(index, 1);
    hook?.fn();
  }
}
