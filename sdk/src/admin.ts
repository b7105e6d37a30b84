import type { Transport } from './http.ts';
import { pathOf } from './http.ts';
import type { CreatedKey } from './keys.ts';

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

/** Instance administration: signing in as an admin and managing projects. */
export class AdminApi {
  /** Projects of the instance (admin token required). */
  readonly projects: ProjectsApi;

  constructor(
    private readonly http: Transport,
    private readonly onToken: (token: string) => void,
  ) {
    this.projects = new ProjectsApi(http);
  }

  /** Signs in; on success the client sends the admin token from then on. */
  async login(email: string, password: string): Promise<AdminSession> {
    const session = await this.http.request<AdminSession>('POST', '/v1/admin/auth/login', { body: { email, password } });
    this.onToken(session.token);
    return session;
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
