import type { BackupRun, BackupSchedule, RequestLogEntry, RequestLogMinute, RequestLogPage, RequestLogQuery, RequestLogStats } from '@baas/protocol';
import type { Transport } from './http.ts';
import { pathOf } from './http.ts';
import type { CreatedKey } from './keys.ts';

export type { BackupRun, BackupSchedule, RequestLogEntry, RequestLogMinute, RequestLogPage, RequestLogQuery, RequestLogStats };

/** An instance admin. */
export interface Admin {
  id: string;
  email: string;
  createdAt: string;
}

/** The reply of an admin sign-in; `token` is an `adm_...` bearer token. */
export interface AdminSession {
  token: string;
  expiresAt: string;
  admin: Admin;
}

/** One of the signed-in admin's sessions (never its token). */
export interface AdminSessionInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** Whether this client's token is this session. */
  current: boolean;
}

/** A project of the instance. */
export interface Project {
  id: string;
  name: string;
  createdAt: string;
}

/** A created project with its first secret key (the secret is shown only here). */
export interface CreatedProject {
  project: Project;
  keys: CreatedKey[];
}

/** `/v1/admin/backups`: the run history, runs, downloads, project restores. */
export class BackupsApi {
  constructor(private readonly http: Transport) {}

  /** Every run, newest first, and the schedule (null when none is configured). */
  list(): Promise<{ items: BackupRun[]; schedule: BackupSchedule | null }> {
    return this.http.request('GET', '/v1/admin/backups');
  }

  /** Takes a backup now, of the instance or of one project; resolves when the archive is written. */
  run(options: { project?: string } = {}): Promise<BackupRun> {
    return this.http.request('POST', '/v1/admin/backups', { body: options });
  }

  /** The archive (a gzipped tar), as a Response whose body streams it. */
  download(id: string): Promise<Response> {
    return this.http.send('GET', `/v1/admin/backups${pathOf(id)}/download`);
  }

  /** Restores one project of a backup under its id or `as` (which must be free). */
  restore(id: string, options: { project?: string; as?: string } = {}): Promise<{ id: string; name: string; restoredAs: string; objects: number }> {
    return this.http.request('POST', `/v1/admin/backups${pathOf(id)}/restore`, { body: options });
  }

  /** Deletes a backup's archive and history entry. */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', `/v1/admin/backups${pathOf(id)}`);
  }
}

/** `/v1/admin/request-log`: the instance's recorded requests and their per-minute aggregates. */
export class RequestLogApi {
  constructor(private readonly http: Transport) {}

  /** Entries matching the filters, newest first; pass `nextCursor` as `cursor` for older ones. */
  list(query: RequestLogQuery & { limit?: number; cursor?: string } = {}): Promise<RequestLogPage> {
    return this.http.request('GET', '/v1/admin/request-log', { query: { ...query } });
  }

  /** Per-minute requests, rate, 5xx error rate, p50 and p99 (default range: the last hour). */
  stats(query: RequestLogQuery = {}): Promise<RequestLogStats> {
    return this.http.request('GET', '/v1/admin/request-log/stats', { query: { ...query } });
  }
}

/** Instance administration: signing in as an admin, managing projects and admins. */
export class AdminApi {
  /** Projects of the instance (admin token required). */
  readonly projects: ProjectsApi;
  /** The instance's admins (admin token required). */
  readonly admins: AdminsApi;
  /** Backups: history, runs, downloads, project restores (admin token required). */
  readonly backups: BackupsApi;
  /** The request log and its aggregates, for charts (admin token required). */
  readonly requestLog: RequestLogApi;

  constructor(
    private readonly http: Transport,
    private readonly onToken: (token: string | undefined) => void,
  ) {
    this.projects = new ProjectsApi(http);
    this.admins = new AdminsApi(http);
    this.backups = new BackupsApi(http);
    this.requestLog = new RequestLogApi(http);
  }

  /** Signs in; on success the client sends the admin token from then on. */
  async login(email: string, password: string): Promise<AdminSession> {
    const session = await this.http.request<AdminSession>('POST', '/v1/admin/auth/login', { body: { email, password } });
    this.onToken(session.token);
    return session;
  }

  /** Ends the current admin session on the server; the client stops sending its token. */
  async logout(): Promise<void> {
    await this.http.request('POST', '/v1/admin/auth/logout');
    this.onToken(undefined);
  }

  /** The signed-in admin's unexpired sessions, newest first. */
  async sessions(): Promise<AdminSessionInfo[]> {
    return (await this.http.request<{ items: AdminSessionInfo[] }>('GET', '/v1/admin/auth/sessions')).items;
  }
}

/** `GET|POST /v1/admin/admins`, `DELETE /v1/admin/admins/:id`. */
export class AdminsApi {
  constructor(private readonly http: Transport) {}

  /** All admins, by email. */
  async list(): Promise<Admin[]> {
    return (await this.http.request<{ items: Admin[] }>('GET', '/v1/admin/admins')).items;
  }

  /** Creates an admin; the password needs at least 10 characters. */
  create(email: string, password: string): Promise<Admin> {
    return this.http.request('POST', '/v1/admin/admins', { body: { email, password } });
  }

  /**
   * Deletes an admin by id or email, with their sessions. The server refuses
   * the last admin, and the caller themselves unless `force`.
   */
  async delete(idOrEmail: string, options: { force?: boolean } = {}): Promise<void> {
    await this.http.request('DELETE', '/v1/admin/admins' + pathOf(idOrEmail), { query: { force: options.force ? true : undefined } });
  }
}

/** `GET|POST /v1/admin/projects`, `DELETE /v1/admin/projects/:project`. */
export class ProjectsApi {
  constructor(private readonly http: Transport) {}

  /** All projects. */
  async list(): Promise<Project[]> {
    return (await this.http.request<{ items: Project[] }>('GET', '/v1/admin/projects')).items;
  }

  /** Creates a project; its secret key is in the reply, and only there. */
  create(id: string, options: { name?: string } = {}): Promise<CreatedProject> {
    return this.http.request('POST', '/v1/admin/projects', { body: { id, ...(options.name !== undefined ? { name: options.name } : {}) } });
  }

  /** Deletes a project and all its data. */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', '/v1/admin/projects' + pathOf(id));
  }
}
