/**
 * `Status` bodies exactly as the Kubernetes API server writes them (`metav1.Status`), and
 * the error that carries one from a handler to the wire.
 *
 * @module
 */

/** A `metav1.Status` object as serialised by the API server. */
export interface StatusBody {
  /** Always `Status`. */
  kind: "Status";
  /** Always `v1`. */
  apiVersion: "v1";
  /** Always `{}`. */
  metadata: Record<string, never>;
  /** `Failure`, or `Success` for a delete. */
  status: "Failure" | "Success";
  /** Human-readable description, e.g. `pods "x" not found`. */
  message?: string;
  /** Machine-readable reason, e.g. `NotFound`, `Conflict`, `Expired`. */
  reason?: string;
  /** What the status is about. */
  details?: StatusDetails;
  /** The HTTP status code. */
  code?: number;
}

/** `metav1.StatusDetails`; `kind` holds the resource (plural) as the real server sets it. */
export interface StatusDetails {
  /** Object name. */
  name?: string;
  /** API group (omitted for core). */
  group?: string;
  /** The plural resource (or the kind, for 422 Invalid). */
  kind?: string;
  /** Object uid (Success Status of a delete). */
  uid?: string;
  /** Field-level causes. */
  causes?: { reason?: string; message?: string; field?: string }[];
  /** Suggested client back-off. */
  retryAfterSeconds?: number;
}

/** The group and plural resource a Status talks about (`schema.GroupResource`). */
export interface GroupResource {
  /** API group; `""` for core/v1. */
  readonly group: string;
  /** Plural resource name, e.g. `pods`. */
  readonly resource: string;
}

/** An error whose wire form is a `Status` with `status.code` as the HTTP status. */
export class KubeStatusError extends Error {
  /** The Status body sent to the client. */
  readonly status: StatusBody;

  /** Wraps `status`; its message becomes the error message. */
  constructor(status: StatusBody) {
    super(status.message ?? status.reason ?? "Failure");
    this.name = "KubeStatusError";
    this.status = status;
  }

  /** The HTTP status code. */
  get code(): number {
    return this.status.code ?? 500;
  }
}

const DEFAULT_REASONS: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Expired",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: "the server rejected our request for an unknown reason",
  401: "Unauthorized",
  403: "forbidden",
  404: "the server could not find the requested resource",
  405: "the server does not allow this method on the requested resource",
  409: "the server reported a conflict",
  410: "the resource is gone",
  422: "the server rejected our request due to an error in our request",
  429: "the server has received too many requests and has asked us to try again later",
  500: 'an error on the server ("unknown") has prevented the request from succeeding',
  503: "the server is currently unable to handle the request",
  504: "the server was unable to return a response in the time allotted, " +
    "but may still be processing the request",
};

/** Options of {@linkcode failureStatus}. */
export interface FailureOptions {
  /** `reason`; defaults to the usual reason for `code`; `""` omits it (StatusReasonUnknown). */
  readonly reason?: string;
  /** `message`; defaults to the usual message for `code`. */
  readonly message?: string;
  /** `details`, omitted when undefined. */
  readonly details?: StatusDetails;
}

/** A Failure Status for any HTTP code (reason and message default per code). */
export function failureStatus(code: number, options: FailureOptions = {}): StatusBody {
  const body: StatusBody = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: options.message ?? DEFAULT_MESSAGES[code] ?? `the server responded with ${code}`,
  };
  const reason = options.reason ?? DEFAULT_REASONS[code] ?? "";
  if (reason !== "") body.reason = reason;
  if (options.details) body.details = options.details;
  body.code = code;
  return body;
}

/** `pods` for core, `network-attachment-definitions.k8s.cni.cncf.io` otherwise. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`;
}

function details(gr: GroupResource, name: string): StatusDetails {
  const d: StatusDetails = { name };
  if (gr.group !== "") d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

/** 404 `pods "x" not found`. */
export function notFound(gr: GroupResource, name: string): KubeStatusError {
  return new KubeStatusError(failureStatus(404, {
    message: `${qualifiedResource(gr)} "${name}" not found`,
    details: details(gr, name),
  }));
}

/** 404 for a path the server does not serve. */
export function pathNotFound(): KubeStatusError {
  return new KubeStatusError(failureStatus(404, { details: {} }));
}

/** 405 for a method a known path does not allow. */
export function methodNotAllowed(): KubeStatusError {
  return new KubeStatusError(failureStatus(405, { details: {} }));
}

/** 409 Conflict `Operation cannot be fulfilled on pods "x": <why>`. */
export function conflict(
  gr: GroupResource,
  name: string,
  why =
    "the object has been modified; please apply your changes to the latest version and try again",
): KubeStatusError {
  return new KubeStatusError(failureStatus(409, {
    message: `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    details: details(gr, name),
  }));
}

/** 409 AlreadyExists `pods "x" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): KubeStatusError {
  return new KubeStatusError(failureStatus(409, {
    reason: "AlreadyExists",
    message: `${qualifiedResource(gr)} "${name}" already exists`,
    details: details(gr, name),
  }));
}

/** 400 BadRequest with `message`. */
export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(failureStatus(400, { message }));
}

/** 410 Expired `too old resource version: X (Y)`. */
export function expired(requested: number, oldest: number): KubeStatusError {
  return new KubeStatusError(failureStatus(410, {
    message: `too old resource version: ${requested} (${oldest})`,
  }));
}

/** 415 for a body media type the endpoint does not take. */
export function unsupportedMediaType(accepted: readonly string[]): KubeStatusError {
  return new KubeStatusError(failureStatus(415, {
    message: "the body of the request was in an unknown format - accepted media types include: " +
      accepted.join(", "),
  }));
}

/** 422 Invalid: `Pod "x" is invalid: <field>: <message>`. */
export function invalid(
  target: { group: string; kind: string; name: string },
  cause: { field: string; reason: string; message: string },
): KubeStatusError {
  const d: StatusDetails = { name: target.name };
  if (target.group !== "") d.group = target.group;
  d.kind = target.kind;
  d.causes = [{ reason: cause.reason, message: cause.message, field: cause.field }];
  return new KubeStatusError(failureStatus(422, {
    message: `${target.kind} "${target.name}" is invalid: ${cause.field}: ${cause.message}`,
    details: d,
  }));
}

/** 500 InternalError `Internal error occurred: <message>`. */
export function internalError(message: string): KubeStatusError {
  return new KubeStatusError(failureStatus(500, {
    message: `Internal error occurred: ${message}`,
    details: { causes: [{ message }] },
  }));
}

/** The Success Status a delete returns for resources that do not return the object. */
export function deletedStatus(gr: GroupResource, name: string, uid: string): StatusBody {
  const d = details(gr, name);
  d.uid = uid;
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: d };
}
