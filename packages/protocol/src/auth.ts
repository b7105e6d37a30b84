/** A project user as the API returns it (never the password hash). */
export interface AuthUser {
  id: string;
  /** Lowercased and trimmed; null for anonymous users and some OAuth accounts. */
  email: string | null;
  verified: boolean;
  anonymous: boolean;
  /** Set by the service role only; rules read it as `auth.role`. */
  role: string | null;
  /** Profile data the user may edit; rules read it as `auth.data.*`. */
  data: Record<string, unknown>;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastSignInAt: string | null;
}

/** The tokens of a session, as sign-in and refresh answer them. */
export interface SessionTokens {
  /** A short-lived JWT (EdDSA), sent as `Authorization: Bearer <accessToken>`. */
  accessToken: string;
  /** Opaque and single-use: exchange it at /auth/refresh for a new pair. */
  refreshToken: string;
  /** When the access token expires (ISO-8601 UTC). */
  expiresAt: string;
}

/** What signup, login, refresh, anonymous sign-in and the email/OAuth flows answer. */
export interface SessionReply {
  user: AuthUser;
  session: SessionTokens;
}

/** One of the caller's sessions, as `GET /auth/sessions` lists it. */
export interface AuthSessionInfo {
  id: string;
  /** How it was started: password, anonymous, magic_link, oauth:<provider>, ... */
  method: string;
  userAgent: string | null;
  ip: string | null;
  createdAt: string;
  /** The last sign-in or refresh (access tokens are not tracked per request). */
  lastUsedAt: string;
  /** The absolute end of the session: no refresh after this. */
  expiresAt: string;
  /** Whether this is the session of the token that asked. */
  current: boolean;
}

/** Per-project auth settings (service role). Durations in seconds. */
export interface AuthSettings {
  /** The app's URL: the default target of links in emails and OAuth redirects. */
  siteUrl: string | null;
  /** Further allowed redirect targets (origin + path prefix). */
  redirectUrls: string[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  passwordMinLength: number;
  emailTokenTtl: number;
}
