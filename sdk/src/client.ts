import { AdminApi } from './admin.ts';
import { CollectionsApi } from './collections.ts';
import { Transport } from './http.ts';
import { KeysApi } from './keys.ts';
import { RecordsApi } from './records.ts';

/** Options of `createClient`. */
export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The project that project-scoped calls (`keys`, `collections`, `collection()`) address. */
  project?: string;
  /** A project key (`sk_...`): the service role. Keep secret keys on servers. */
  key?: string;
  /** A bearer token (an admin token or a user access token); wins over `key`. */
  token?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** The reply of `GET /v1/health`. */
export interface Health {
  status: string;
  database: string;
}

/** A client of one baas server (and optionally one of its projects). Create it with `createClient`. */
export class BaasClient {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  /** The project of project-scoped calls, if any. */
  readonly project: string | undefined;
  /** Admin sign-in and the instance's projects. */
  readonly admin: AdminApi;
  /** Secret keys of the project. */
  readonly keys: KeysApi;
  /** Collection definitions of the project. */
  readonly collections: CollectionsApi;
  private readonly http: Transport;
  private readonly key: string | undefined;

  constructor(options: ClientOptions) {
    this.http = new Transport(options, options.token ?? options.key);
    this.url = this.http.baseUrl;
    this.project = options.project;
    this.key = options.key;
    const base = () => this.projectPath();
    this.admin = new AdminApi(this.http, (token) => this.setToken(token));
    this.keys = new KeysApi(this.http, base);
    this.collections = new CollectionsApi(this.http, base);
  }

  /** The bearer credential sent now: the token if set, else the key. */
  get credential(): string | undefined {
    return this.http.credential;
  }

  /** Sends `token` from now on; `undefined` falls back to the client's key. */
  setToken(token: string | undefined): void {
    this.http.credential = token ?? this.key;
  }

  /** The records of a collection of the project. */
  collection<T extends object = Record<string, unknown>>(name: string): RecordsApi<T> {
    return new RecordsApi<T>(this.http, () => this.projectPath(), name);
  }

  /** Liveness of the server. */
  health(): Promise<Health> {
    return this.http.request('GET', '/v1/health');
  }

  private projectPath(): string {
    if (!this.project) throw new TypeError('this call needs a project: createClient({ url, project })');
    return `/v1/projects/${encodeURIComponent(this.project)}`;
  }
}

/** A client for a baas server: `createClient({ url, project, key })`. */
export function createClient(options: ClientOptions): BaasClient {
  return new BaasClient(options);
}
