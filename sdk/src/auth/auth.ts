import type { AuthUser, SessionTokens } from '@baas/protocol';
import type { TokenSource, Transport } from '../http.ts';
import type { SessionStore } from './stores.ts';

/** The signed-in state: the user and their tokens. */
export interface Session {
  user: AuthUser;
  session: SessionTokens;
}

/** What happened to the session, as `onAuthStateChange` reports it. */
export type AuthEvent = 'initial_session' | 'signed_in' | 'signed_out' | 'token_refreshed' | 'user_updated';

/** Options of the auth client (part of `ClientOptions.auth`). */
export interface AuthOptions {
  /** Where the session is kept: `localStorage` in browsers, memory in Node by default; `fileStore(path)` for CLIs. */
  store?: SessionStore;
  /** Refresh the access token this many seconds before it expires (default 60, at most half its lifetime). */
  refreshMargin?: number;
  /** Refresh ahead of expiry on a timer (default true). Off: refresh happens on demand. */
  autoRefresh?: boolean;
}

/** Project users: sign-up, sign-in, sessions and the current user. STUB: the auth helper fills this in. */
export class AuthClient implements TokenSource {
  constructor(
    protected readonly http: Transport,
    protected readonly base: () => string,
    protected readonly options: AuthOptions & { storageKey: string },
  ) {}

  async accessToken(): Promise<string | undefined> {
    return undefined;
  }

  async recover(_failed: string): Promise<boolean> {
    return false;
  }

  /** Stops the refresh timer. */
  stop(): void {}

  /** Calls `callback` on every change of the session; returns the function that stops it. */
  onAuthStateChange(_callback: (event: AuthEvent, session: Session | null) => void): () => void {
    return () => {};
  }
}
