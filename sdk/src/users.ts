import type { AuthSessionInfo, AuthUser } from '@baas/protocol';
import type { Transport } from './http.ts';
import { pathOf } from './http.ts';
import { everyItem } from './pages.ts';

/** What `users.create` accepts. */
export interface NewUser {
  email: string;
  password?: string;
  verified?: boolean;
  role?: string | null;
  data?: Record<string, unknown>;
}

/** What `users.update` accepts; `disabled: true` also ends every session of the user. */
export interface UserPatch {
  email?: string | null;
  password?: string;
  verified?: boolean;
  role?: string | null;
  data?: Record<string, unknown>;
  disabled?: boolean;
}

/** Options of `users.list`: the filter language over id, email, verified, anonymous, role, disabled and the dates. */
export interface UserListOptions {
  filter?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
}

/** The project's users as the service role (or an admin) manages them. */
export class UsersApi {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
  ) {}

  private path(...segments: string[]): string {
    return `${this.base()}/users${pathOf(...segments)}`;
  }

  /** One page of users; pass `nextCursor` back as `cursor` for the next. */
  list(options: UserListOptions = {}): Promise<{ items: AuthUser[]; nextCursor: string | null }> {
    return this.http.request('GET', this.path(), { query: { ...options } });
  }

  /** Every matching user, page by page. */
  iterate(options: Omit<UserListOptions, 'cursor'> = {}): AsyncGenerator<AuthUser> {
    return everyItem((cursor) => this.list({ ...options, cursor }));
  }

  /** One user (404 `user_not_found`). */
  get(id: string): Promise<AuthUser> {
    return this.http.request('GET', this.path(id));
  }

  /** Creates a user (409 `conflict` when the email is taken). */
  create(user: NewUser): Promise<AuthUser> {
    return this.http.request('POST', this.path(), { body: user });
  }

  /** Changes a user. */
  update(id: string, patch: UserPatch): Promise<AuthUser> {
    return this.http.request('PATCH', this.path(id), { body: patch });
  }

  /** Deletes a user with their sessions. */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', this.path(id));
  }

  /** The user's unexpired sessions, newest first (`current` is always false here). */
  async sessions(id: string): Promise<AuthSessionInfo[]> {
    return (await this.http.request<{ items: AuthSessionInfo[] }>('GET', this.path(id, 'sessions'))).items;
  }

  /** Ends every session of the user at once; answers how many ended. */
  async revokeSessions(id: string): Promise<number> {
    return (await this.http.request<{ revoked: number }>('DELETE', this.path(id, 'sessions'))).revoked;
  }

  /** Ends one session of the user: its access and refresh tokens stop working at once. */
  async revokeSession(id: string, sessionId: string): Promise<void> {
    await this.http.request('DELETE', this.path(id, 'sessions', sessionId));
  }
}
