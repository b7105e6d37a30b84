import type { AuthSessionInfo, AuthUser, SessionTokens } from '@baas/protocol';
import { BaasError, isBaasError, safe } from '../errors.ts';
import { pathOf, type TokenSource, type Transport } from '../http.ts';
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

/** Where a mailed link (or an OAuth sign-in) sends the browser; it must be allowed by the project's auth settings. */
export interface MailRequest {
  email: string;
  redirectTo?: string;
}

/** A listener of `onAuthStateChange`. */
type Listener = (event: AuthEvent, session: Session | null) => void;

/** How long to wait before trying again a timed refresh that failed without ending the session (no network, 5xx). */
const RETRY_MS = 10_000;

/**
 * Project users: sign-up, sign-in (password, anonymous, magic link, OAuth),
 * the session and its refresh, the user's account and email flows. Every
 * way of signing in ends in a `Session` that is persisted in the store and
 * sent as the bearer token of the client's requests.
 */
export class AuthClient implements TokenSource {
  /** Resolves once the persisted session is loaded; every call waits for it. */
  readonly ready: Promise<void>;
  private current: Session | null = null;
  private readonly listeners = new Set<Listener>();
  private refreshing: Promise<Session | null> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** The server's clock minus ours (ms), so a wrong local clock neither refreshes in a loop nor too late. */
  private skew = 0;
  private readonly unwatch: (() => void) | undefined;

  constructor(
    protected readonly http: Transport,
    protected readonly base: () => string,
    protected readonly options: AuthOptions & { store: SessionStore; storageKey: string },
  ) {
    this.ready = this.load();
    this.unwatch = options.store.watch?.(options.storageKey, (value) => void this.ready.then(() => this.adopt(parse(value))));
  }

  /** The signed-in user, or null. */
  get user(): AuthUser | null {
    return this.current?.user ?? null;
  }

  /** The current session (user and tokens), or null. */
  get session(): Session | null {
    return this.current;
  }

  /** Creates an account and signs in; `data` is the profile. 409 `conflict` if the email is taken. */
  signUp(input: { email: string; password: string; data?: Record<string, unknown> }): Promise<Session> {
    return this.start('/signup', input);
  }

  /** Signs in with email and password (401 `invalid_credentials` for either being wrong). */
  signIn(input: { email: string; password: string }): Promise<Session> {
    return this.start('/login', input);
  }

  /** Signs in as a new anonymous user; `updateUser({email, password})` later keeps its id. */
  signInAnonymously(input: { data?: Record<string, unknown> } = {}): Promise<Session> {
    return this.start('/anonymous', input);
  }

  /** Mails a sign-in link and a six-digit code. `createUser: false` mails existing accounts only. */
  async sendMagicLink(input: MailRequest & { createUser?: boolean }): Promise<void> {
    await this.call('POST', '/magic-link/request', input);
  }

  /** Signs in with the token of a magic link, or the address and the mailed code. */
  verifyMagicLink(input: { token: string } | { email: string; code: string }): Promise<Session> {
    return this.start('/magic-link/verify', input);
  }

  /** The URL that starts an OAuth sign-in with `provider`; the browser comes back to `redirectTo?code=...`. */
  oauthUrl(provider: string, options: { redirectTo: string }): string {
    return this.http.url(`${this.base()}/auth/oauth${pathOf(provider)}/authorize`, { redirectTo: options.redirectTo });
  }

  /** Browsers: goes to the provider's sign-in page; on the way back, call `handleOAuthCallback()`. */
  signInWithOAuth(provider: string, options: { redirectTo: string }): void {
    location.assign(this.oauthUrl(provider, options));
  }

  /**
   * On the page at `redirectTo`: trades the one-time `?code=` for a session.
   * `?error=` throws a `BaasError` with that code (`access_denied` when the
   * person cancelled); neither answers null. For the current page, the
   * parameters are removed from the address bar (a reload must not reuse the code).
   */
  async handleOAuthCallback(url: string = location.href): Promise<Session | null> {
    const target = new URL(url);
    const params = target.searchParams;
    const [code, error, description] = ['code', 'error', 'error_description'].map((name) => params.get(name));
    if (!code && !error) return null;
    if (url === globalThis.location?.href) {
      for (const name of ['code', 'error', 'error_description']) params.delete(name);
      history.replaceState(history.state, '', target);
    }
    if (error) throw new BaasError(400, error, description ?? error);
    return this.start('/oauth/exchange', { code });
  }

  /**
   * Ends the session on the server and here. It ends here even when the
   * server has already ended it (401) or cannot be reached; other failures
   * are thrown after that.
   */
  async signOut(): Promise<void> {
    await this.ready;
    if (!this.current) return;
    try {
      await this.call('POST', '/logout', undefined, true);
    } catch (err) {
      if (!isBaasError(err) || (err.status !== 401 && err.status !== 0)) throw err;
    } finally {
      await this.apply(null, 'signed_out');
    }
  }

  /**
   * The signed-in user as the server has it now (`user_updated` when it
   * changed). A 401 `invalid_token` means the session ended: signed out here too.
   */
  async getUser(): Promise<AuthUser> {
    try {
      return await this.updated(await this.call<AuthUser>('GET', '/user', undefined, true));
    } catch (err) {
      if (isBaasError(err, 'invalid_token')) await this.apply(null, 'signed_out');
      throw err;
    }
  }

  /**
   * Changes the profile `data`; or the password (with `currentPassword` when
   * the account has one; the other sessions end); or makes an anonymous user
   * a regular one with `{email, password}`, keeping its id.
   */
  async updateUser(patch: { data?: Record<string, unknown>; password?: string; currentPassword?: string; email?: string }): Promise<AuthUser> {
    return this.updated(await this.call<AuthUser>('PATCH', '/user', patch, true));
  }

  /** Mails a link that confirms the address (nothing to unknown or verified addresses; the reply is the same). */
  async requestEmailVerification(input: MailRequest): Promise<void> {
    await this.call('POST', '/verify-email/request', input);
  }

  /**
   * Marks the address verified with the token of the link. Call it signed in
   * as the account (the link opened where the user signed up): confirmed
   * from anywhere else, the server removes the password set before the
   * address was verified and ends every session.
   */
  confirmEmail(input: { token: string }): Promise<AuthUser> {
    return this.confirm('/verify-email/confirm', input);
  }

  /** Mails a password-reset link. */
  async requestPasswordReset(input: MailRequest): Promise<void> {
    await this.call('POST', '/password-reset/request', input);
  }

  /** Sets a new password with the token of the link; every session of the user ends (signed out here if it was this one). */
  async confirmPasswordReset(input: { token: string; password: string }): Promise<AuthUser> {
    const { user } = await this.call<{ user: AuthUser }>('POST', '/password-reset/confirm', input);
    if (this.current?.user.id === user.id) await this.apply(null, 'signed_out');
    return user;
  }

  /** Mails a confirmation link to the signed-in user's new address; the old one stays until it is followed. */
  async requestEmailChange(input: MailRequest): Promise<void> {
    await this.call('POST', '/email-change/request', input, true);
  }

  /** Moves the account to the new address with the token of the link; like `confirmEmail`, call it signed in. */
  confirmEmailChange(input: { token: string }): Promise<AuthUser> {
    return this.confirm('/email-change/confirm', input);
  }

  /** The signed-in user's sessions (`current` marks this one). */
  async sessions(): Promise<AuthSessionInfo[]> {
    return (await this.call<{ items: AuthSessionInfo[] }>('GET', '/sessions', undefined, true)).items;
  }

  /** Ends one of the user's sessions; ending this one signs out here too. */
  async revokeSession(id: string): Promise<void> {
    await this.call('DELETE', `/sessions${pathOf(id)}`, undefined, true);
    if (this.current && claims(this.current.session.accessToken).sid === id) await this.apply(null, 'signed_out');
  }

  /**
   * Exchanges the refresh token for a new pair now; resolves to null when
   * nobody is signed in. Concurrent callers share one exchange: a refresh
   * token is single-use, and the server ends the session when one is spent
   * twice. A 401 (the session ended) signs out here too; other failures
   * keep the session for a later try.
   */
  refresh(): Promise<Session | null> {
    return (this.refreshing ??= this.exchange().finally(() => (this.refreshing = undefined)));
  }

  /** The access token to send, refreshed first when it is due; undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    await this.ready;
    if (this.current && this.dueIn(this.current) <= 0) await this.refresh().catch(() => undefined);
    return this.current?.session.accessToken;
  }

  /** After a 401 `token_expired` for `failed`: refreshes unless the token changed meanwhile; true when a retry may succeed. */
  async recover(failed: string): Promise<boolean> {
    await this.ready;
    if (this.current?.session.accessToken === failed) await this.refresh().catch(() => undefined);
    return !!this.current && this.current.session.accessToken !== failed;
  }

  /** Stops the refresh timer and following other tabs; calls still refresh on demand. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unwatch?.();
  }

  /**
   * Calls `callback` with `initial_session` once the persisted session is
   * loaded, then on every change; returns the function that stops it.
   */
  onAuthStateChange(callback: Listener): () => void {
    const listener: Listener = (event, session) => callback(event, session);
    let live = true;
    void this.ready.then(() => {
      if (!live) return;
      this.listeners.add(listener);
      safe(() => listener('initial_session', this.current));
    });
    return () => {
      live = false;
      this.listeners.delete(listener);
    };
  }

  private async load(): Promise<void> {
    try {
      this.current = parse(await this.options.store.get(this.options.storageKey));
    } catch {
      // An unreadable store (a broken file, a blocked localStorage) starts signed out rather than failing every call.
    }
    this.schedule();
  }

  /** An auth route (`/auth` + path), as the signed-in user when `asUser`, else without their token. */
  private async call<T>(method: string, path: string, body?: unknown, asUser = false): Promise<T> {
    await this.ready;
    // Without the user's token: sign-in routes need none, and a refresh must not wait for itself.
    return this.http.request<T>(method, `${this.base()}/auth${path}`, { body, withoutUser: !asUser });
  }

  /** A route that answers a session, which becomes the current one. */
  private async start(path: string, body: unknown, event: AuthEvent = 'signed_in'): Promise<Session> {
    const next = await this.call<Session>('POST', path, body);
    // `iat` has whole seconds: only a clock off by more than that is worth correcting.
    const iat = claims(next.session.accessToken).iat;
    const drift = iat ? iat * 1000 - Date.now() : 0;
    this.skew = Math.abs(drift) > 2000 ? drift : 0;
    await this.apply(next, event);
    return next;
  }

  /**
   * A confirm route's `{user}`, taken into the session when it is the
   * signed-in user. Sent with the session, when there is one: the server
   * keeps the account's password only when the address is proved by a holder
   * of the account (without one, whoever set the password never proved it).
   */
  private async confirm(path: string, body: unknown): Promise<AuthUser> {
    return this.updated((await this.call<{ user: AuthUser }>('POST', path, body, true)).user);
  }

  /** Takes a fresh copy of the signed-in user into the session (`user_updated` when it changed). */
  private async updated(user: AuthUser): Promise<AuthUser> {
    if (this.current?.user.id === user.id) await this.adopt({ ...this.current, user }, true);
    return user;
  }

  /** The refresh itself, one at a time per storage key (tabs, clients sharing a store). */
  private async exchange(): Promise<Session | null> {
    await this.ready;
    const stale = this.current;
    if (!stale) return null;
    const { store, storageKey } = this.options;
    return withLock(storageKey, async () => {
      // Another tab (or client sharing the store) may have rotated the pair while we waited for the lock:
      // take its pair, as spending our old refresh token would make the server end the session.
      let stored = parse(await store.get(storageKey));
      if (stored?.session.refreshToken === stale.session.refreshToken && (await spentElsewhere(storageKey, stale))) {
        // It did, but its write has not reached this tab yet: browsers pass localStorage writes between tabs late.
        stored = await storedAfter(store, storageKey, stale);
      }
      if (stored?.session.refreshToken !== stale.session.refreshToken) {
        await this.adopt(stored);
        return stored;
      }
      try {
        const next = await this.start('/refresh', { refreshToken: stale.session.refreshToken }, 'token_refreshed');
        markSpent(storageKey, stale);
        return next;
      } catch (err) {
        // 401: the session ended on the server. Anything else (no network, 5xx) may pass: keep the session.
        if (isBaasError(err) && err.status === 401 && this.current?.session.refreshToken === stale.session.refreshToken) {
          await this.apply(null, 'signed_out');
        }
        throw err;
      }
    });
  }

  /** Milliseconds until `s` is due for refresh: `refreshMargin` before it expires, at most half its lifetime. */
  private dueIn(s: Session): number {
    const expires = Date.parse(s.session.expiresAt);
    const lifetime = expires - (claims(s.session.accessToken).iat ?? NaN) * 1000;
    return expires - Math.min((this.options.refreshMargin ?? 60) * 1000, lifetime / 2 || Infinity) - Date.now() - this.skew;
  }

  /** Arms the refresh timer: in `delay` ms, by default when the current token is due. */
  private schedule(delay = this.current && this.dueIn(this.current)): void {
    clearTimeout(this.timer);
    if (delay === null || this.stopped || this.options.autoRefresh === false) return;
    this.timer = setTimeout(() => {
      // A 401 has signed out (no timer then); any other failure is tried again later.
      this.refresh().catch(() => this.current && this.schedule(RETRY_MS));
    }, Math.max(0, delay));
    // Node: a pending refresh must never keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Follows a session that changed elsewhere (another tab, the store, a fresh user). */
  private adopt(next: Session | null, persist = false): Promise<void> {
    return this.apply(next, change(this.current, next), persist);
  }

  /** Makes `next` the session: memory, timer, the store (unless it came from there), then the listeners. */
  private async apply(next: Session | null, event: AuthEvent | undefined, persist = true): Promise<void> {
    await this.ready;
    if (!event || (!next && !this.current)) return;
    this.current = next;
    this.schedule();
    const { store, storageKey } = this.options;
    try {
      if (persist) await (next ? store.set(storageKey, JSON.stringify(next)) : store.remove(storageKey));
    } finally {
      for (const listener of [...this.listeners]) safe(() => listener(event, next));
    }
  }
}

/** The event that takes `prev` to `next`, if any. */
function change(prev: Session | null, next: Session | null): AuthEvent | undefined {
  if (!next) return prev ? 'signed_out' : undefined;
  if (prev?.user.id !== next.user.id) return 'signed_in';
  if (prev.session.refreshToken !== next.session.refreshToken) return 'token_refreshed';
  return JSON.stringify(prev.user) !== JSON.stringify(next.user) ? 'user_updated' : undefined;
}

/** A stored session, or null for none or anything unreadable. */
function parse(raw: string | null): Session | null {
  try {
    const s = raw ? JSON.parse(raw) : null;
    return s?.user?.id && s.session?.refreshToken ? s : null;
  } catch {
    return null;
  }
}

/** The claims of a JWT, unverified (only to time refreshes and know the session), or {}. */
function claims(token: string): { iat?: number; sid?: string } {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

/** Tails of the in-process lock queues by name, where there is no Web Locks API (Node). */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` holding the lock `name`: across tabs with Web Locks, else within this process. */
function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks;
  if (locks) return locks.request(name, fn);
  const run = (queues.get(name) ?? Promise.resolve()).then(fn);
  queues.set(name, run.catch(() => undefined));
  return run;
}

/*
 * Tabs share the session through localStorage, but a write in one tab reaches
 * the others some milliseconds later, so a tab holding the refresh lock may
 * still read the pair another tab has just spent. The lock manager is the one
 * cross-tab state that is always current: after a refresh, the tab holds a
 * lock named after the spent token for a while, and a tab about to spend a
 * token first asks whether such a lock exists.
 */

/** The lock that says `s`'s refresh token was spent (a fragment: the names are visible to this origin only). */
const spentLock = (key: string, s: Session) => `${key}:spent:${s.session.refreshToken.slice(-16)}`;

/** Marks the refresh token of `s` as spent, for the other tabs, for 10 s. */
function markSpent(key: string, s: Session): void {
  void globalThis.navigator?.locks?.request(spentLock(key, s), () => new Promise((resolve) => setTimeout(resolve, 10_000)));
}

/** Whether another tab spent the refresh token of `s`. */
async function spentElsewhere(key: string, s: Session): Promise<boolean> {
  const held = (await globalThis.navigator?.locks?.query())?.held ?? [];
  return held.some((lock) => lock.name === spentLock(key, s));
}

/** The stored session once it is no longer `s` (another tab's write arriving); fails after 5 s, keeping the session. */
async function storedAfter(store: SessionStore, key: string, s: Session): Promise<Session | null> {
  for (const end = Date.now() + 5000; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const stored = parse(await store.get(key));
    if (stored?.session.refreshToken !== s.session.refreshToken) return stored;
  }
  throw new BaasError(0, 'network_error', 'another tab refreshed the session, but its new tokens did not arrive');
}
