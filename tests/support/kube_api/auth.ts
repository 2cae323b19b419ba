/**
 * Authentication as the API server does it for the two methods the double knows: x509
 * client certificates signed by the trusted CA (user = CN, groups = O) and bearer tokens.
 * Presented but invalid credentials fail (401) even when anonymous access is on.
 *
 * @module
 */

/** An authenticated user. */
export interface UserInfo {
  /** User name: the certificate CN, the token's user, or `system:anonymous`. */
  readonly name: string;
  /** Groups, always ending with `system:authenticated` (or `system:unauthenticated`). */
  readonly groups: readonly string[];
}

/** A bearer token and the user it stands for. */
export interface TokenUser {
  /** The token text. */
  readonly token: string;
  /** User name (default `token-<index>`). */
  readonly user?: string;
  /** Extra groups. */
  readonly groups?: readonly string[];
}

/** What a request presented. */
export interface Credentials {
  /** The `Authorization` header. */
  readonly authorization?: string | undefined;
  /** The TLS client certificate, if one was sent. */
  readonly clientCert?: {
    /** Whether it verified against the trusted CA. */
    readonly authorized: boolean;
    /** Subject fields; a repeated field is an array. */
    readonly subject: Readonly<Record<string, string | readonly string[] | undefined>>;
  } | undefined;
}

/** Options of {@linkcode createAuthenticator}. */
export interface AuthenticatorOptions {
  /** Accepted bearer tokens. */
  readonly tokens?: readonly (string | TokenUser)[];
  /** Let requests without any credentials through as `system:anonymous`. */
  readonly anonymous?: boolean;
}

/** Returns the user for `credentials`, or undefined for 401 Unauthorized. */
export type Authenticator = (credentials: Credentials) => UserInfo | undefined;

/** Builds the authenticator for a server's options. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const tokens = new Map<string, UserInfo>();
  (options.tokens ?? []).forEach((entry, index) => {
    const spec: TokenUser = typeof entry === "string" ? { token: entry } : entry;
    tokens.set(spec.token, {
      name: spec.user ?? `token-${index}`,
      groups: [...(spec.groups ?? []), "system:authenticated"],
    });
  });
  return (credentials) => {
    const cert = credentials.clientCert;
    if (cert?.authorized) {
      const name = first(cert.subject["CN"]);
      if (name !== undefined) {
        return { name, groups: [...all(cert.subject["O"]), "system:authenticated"] };
      }
    }
    const header = credentials.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return match ? tokens.get(match[1] ?? "") : undefined;
    }
    if (cert) return undefined;
    return options.anonymous
      ? { name: "system:anonymous", groups: ["system:unauthenticated"] }
      : undefined;
  };
}

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.[0];
}

function all(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
}
