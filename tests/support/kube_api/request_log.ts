/**
 * The double's request log: one record per HTTP request, with the Kubernetes request
 * attributes (verb, resource, namespace, name, user) tests assert on.
 *
 * @module
 */

import type { Verb } from "./routes.ts";

/** One request as the double saw and answered it. */
export interface RequestRecord {
  /** HTTP method. */
  readonly method: string;
  /** URL path. */
  readonly path: string;
  /** Query parameters (the last value of a repeated one). */
  readonly query: Readonly<Record<string, string>>;
  /** Kubernetes verb; absent for non-resource paths. */
  readonly verb?: Verb;
  /** Plural resource from the path (`""` for non-resource paths). */
  readonly resource: string;
  /** `status` for pods/status. */
  readonly subresource?: string;
  /** Namespace from the path. */
  readonly namespace?: string;
  /** Object name from the path. */
  readonly name?: string;
  /** Authenticated user name. */
  readonly user?: string;
  /** HTTP status sent; 0 while unanswered (e.g. during a `hang` outage). */
  status: number;
  /** Request `Content-Type`. */
  readonly contentType?: string;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
}

/** Fields to match exactly (`query` entries are matched one by one), or a predicate. */
export type RequestFilter =
  | Partial<Omit<RequestRecord, "query">> & { readonly query?: Readonly<Record<string, string>> }
  | ((record: RequestRecord) => boolean);

/** Whether `record` passes `filter` (no filter passes everything). */
export function matchesRequest(record: RequestRecord, filter?: RequestFilter): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "function") return filter(record);
  for (const [key, expected] of Object.entries(filter)) {
    if (expected === undefined) continue;
    if (key === "query") {
      const wanted = expected as Record<string, string>;
      if (!Object.entries(wanted).every(([k, v]) => record.query[k] === v)) return false;
    } else if ((record as unknown as Record<string, unknown>)[key] !== expected) {
      return false;
    }
  }
  return true;
}

/** An append-only list of {@linkcode RequestRecord}s. */
export class RequestLog {
  readonly #records: RequestRecord[] = [];

  /** Appends `record` (kept by reference so its status can be filled in later). */
  add(record: RequestRecord): void {
    this.#records.push(record);
  }

  /** Copies of the records passing `filter`, oldest first. */
  requests(filter?: RequestFilter): RequestRecord[] {
    return this.#records.filter((r) => matchesRequest(r, filter)).map((r) => ({
      ...r,
      query: { ...r.query },
    }));
  }

  /** How many records pass `filter`. */
  count(filter?: RequestFilter): number {
    return this.#records.filter((r) => matchesRequest(r, filter)).length;
  }

  /** Forgets every record. */
  clear(): void {
    this.#records.length = 0;
  }
}
