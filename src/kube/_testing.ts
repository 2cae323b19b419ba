/**
 * Fakes for the kube unit tests (folder-private): an in-memory file system that counts
 * reads, a scripted exec, and a recording HTTP transport.
 *
 * @module
 */
import type { Exec, ExecOutput, ExecRequest } from "../platform/exec.ts";
import type { Fs, PathInfo } from "../platform/fs.ts";
import type {
  HttpRequest,
  HttpResponse,
  HttpTransport,
  HttpTransportOptions,
} from "../platform/http.ts";

/** An in-memory `readText` + `stat` file system. */
export class MemoryFs implements Pick<Fs, "readText" | "stat"> {
  readonly files = new Map<string, { text: string; mtimeMs: number }>();
  readonly dirs = new Set<string>();
  /** Paths passed to `readText`, in order. */
  readonly reads: string[] = [];
  #clock = 1_000;

  /** Writes (or rewrites, with a newer mtime) a file. */
  write(path: string, text: string): this {
    this.#clock += 1_000;
    this.files.set(path, { text, mtimeMs: this.#clock });
    return this;
  }

  /** Removes a file. */
  remove(path: string): void {
    this.files.delete(path);
  }

  readText(path: string): Promise<string | null> {
    this.reads.push(path);
    return Promise.resolve(this.files.get(path)?.text ?? null);
  }

  stat(path: string): Promise<PathInfo | null> {
    if (this.dirs.has(path)) {
      return Promise.resolve({ isFile: false, isDirectory: true, size: 0, mtimeMs: null });
    }
    const f = this.files.get(path);
    return Promise.resolve(
      f
        ? {
          isFile: true,
          isDirectory: false,
          size: new TextEncoder().encode(f.text).length,
          mtimeMs: f.mtimeMs,
        }
        : null,
    );
  }
}

/** An Exec whose answers come from `respond`; it records every request. */
export class FakeExec implements Exec {
  readonly calls: ExecRequest[] = [];
  respond: (req: ExecRequest) => Partial<ExecOutput>;

  /** A fake answering with `respond`. */
  constructor(respond: (req: ExecRequest) => Partial<ExecOutput>) {
    this.respond = respond;
  }

  run(req: ExecRequest): Promise<ExecOutput> {
    this.calls.push(req);
    const out = this.respond(req);
    return Promise.resolve({
      code: 0,
      signal: null,
      stdout: "",
      stderr: "",
      timedOut: false,
      aborted: false,
      ...out,
    });
  }
}

/** A canned answer of a {@linkcode FakeTransport}. */
export interface CannedResponse {
  status?: number;
  body?: string | object;
  /** Body lines for `lines()` (a watch stream). */
  lines?: string[];
}

/** A transport that records requests and answers from a queue or a function. */
export class FakeTransport implements HttpTransport {
  readonly requests: HttpRequest[] = [];
  closed = false;
  answer: (req: HttpRequest) => CannedResponse | Error;

  /** A transport answering with `answer`. */
  constructor(
    readonly options: HttpTransportOptions,
    answer: (req: HttpRequest) => CannedResponse | Error,
  ) {
    this.answer = answer;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const a = this.answer(req);
    if (a instanceof Error) return Promise.reject(a);
    const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body ?? {});
    const lines = a.lines ?? text.split("\n");
    return Promise.resolve({
      status: a.status ?? 200,
      headers: new Headers({ "content-type": "application/json" }),
      text: () => Promise.resolve(text),
      lines: async function* () {
        for (const l of lines) yield l;
      },
      cancel: () => Promise.resolve(),
    });
  }

  close(): void {
    this.closed = true;
  }
}

/** A factory handing out {@linkcode FakeTransport}s that share one answer function. */
export function fakeTransports(answer: (req: HttpRequest) => CannedResponse | Error): {
  factory: (options: HttpTransportOptions) => HttpTransport;
  made: FakeTransport[];
  requests: () => HttpRequest[];
} {
  const made: FakeTransport[] = [];
  return {
    factory: (options) => {
      const t = new FakeTransport(options, answer);
      made.push(t);
      return t;
    },
    made,
    requests: () => made.flatMap((t) => t.requests),
  };
}

/** A Kubernetes `Status` body. */
export function statusBody(code: number, reason: string, message: string): object {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
}
