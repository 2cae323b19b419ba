/**
 * The one domain error of multus-deno: a CNI error with the spec's numeric code.
 *
 * Everything below an entry point throws {@linkcode CniError}; each entry point (the
 * skel for plugins, the HTTP handler for the daemon) serialises it once with
 * {@linkcode CniError.toWire}. A delegate's own CNI error keeps its code.
 *
 * @module
 */

/** CNI error codes: SPEC section 5 plus libcni's 8 (invalid netns) and 999 (internal). */
export const CniCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimitedConnectivity: 51,
  Internal: 999,
} as const;

/** The wire form of a CNI error, as plugins print it and libcni parses it. */
export interface CniErrorWire {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

/** Options of {@linkcode CniError}. */
export interface CniErrorOptions {
  /** Extra detail for the `details` field (for example every diagnostic at once). */
  details?: string;
  /** The underlying error, kept for logs; never serialised. */
  cause?: unknown;
}

/**
 * A CNI error: `code` is the spec's number, `message` is the `msg` a person reads.
 *
 * @example Usage
 * ```ts
 * import { CniCode, CniError } from "./error.ts";
 * const err = new CniError(CniCode.InvalidEnvironment, "required env variables [CNI_NETNS] missing");
 * console.assert(err.toWire("1.0.0").code === 4);
 * ```
 */
export class CniError extends Error {
  /** The CNI error code. */
  readonly code: number;
  /** The `details` field; empty when there is none. */
  readonly details: string;

  /** Creates an error with the given CNI code and message. */
  constructor(code: number, message: string, options: CniErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CniError";
    this.code = code;
    this.details = options.details ?? "";
  }

  /** The wire JSON object; `cniVersion` is included when known, `details` when non-empty. */
  toWire(cniVersion?: string): CniErrorWire {
    const wire: CniErrorWire = cniVersion
      ? { cniVersion, code: this.code, msg: this.message }
      : { code: this.code, msg: this.message };
    if (this.details) wire.details = this.details;
    return wire;
  }

  /** A copy with `prefix` put before the message, keeping code, details and cause. */
  withPrefix(prefix: string): CniError {
    return new CniError(this.code, `${prefix}${this.message}`, {
      details: this.details,
      cause: this.cause ?? this,
    });
  }

  /**
   * `err` itself when it is a {@linkcode CniError}, otherwise a new one with code
   * `code` (999 by default) and the error's message.
   */
  static from(err: unknown, code: number = CniCode.Internal): CniError {
    if (err instanceof CniError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new CniError(code, message, { cause: err });
  }
}
