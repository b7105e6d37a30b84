import { AdminApi } from './admin.ts';
import { AuthClient, type AuthOptions } from './auth/auth.ts';
import { defaultStore } from './auth/stores.ts';
import { runBatch, type BatchOperation, type BatchResult } from './batch.ts';
import { CollectionsApi } from './collections.ts';
import { filter, type FilterValue } from './filter.ts';
import { Transport } from './http.ts';
import { KeysApi } from './keys.ts';
import { SchemaApi } from './schema-code.ts';
import { RealtimeClient, type RealtimeOptions } from './realtime/realtime.ts';
import { RecordsApi } from './records.ts';
import type { CollectionName, IsUntyped, SchemaOf, ShapeOf, UntypedSchema } from './schema.ts';
import { SettingsApi } from './settings.ts';
import { StorageApi } from './storage/storage.ts';
import { UsersApi } from './users.ts';

/** Options of `createClient`. */
export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** The project that project-scoped calls address. */
  project?: string;
  /** A project key (`sk_...`): the service role. Keep secret keys on servers. */
  key?: string;
  /** A fixed bearer token (an admin token); wins over `key`. A signed-in user's token wins over both. */
  token?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Session persistence and refresh. */
  auth?: AuthOptions;
  /** The WebSocket and reconnect settings. */
  realtime?: RealtimeOptions;
}

/** The reply of `GET /v1/health`. */
export interface Health {
  status: string;
  database: string;
}

/**
 * A client of one baas server and one of its projects. Create it with
 * `createClient<Schema>(...)`; `Schema` (from `baas gen types`) types every
 * collection call.
 */
export class BaasClient<S extends SchemaOf<S> = UntypedSchema> {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  /** The project of project-scoped calls, if any. */
  readonly project: string | undefined;
  /** Project users: sign-up, sign-in, the session. */
  readonly auth: AuthClient;
  /** Files in buckets. */
  readonly storage: StorageApi;
  /** The shared WebSocket (opened on the first subscription). */
  readonly realtime: RealtimeClient;
  /** Admin sign-in and the instance's projects. */
  readonly admin: AdminApi;
  /** Secret keys of the project. */
  readonly keys: KeysApi;
  /** Collection definitions of the project. */
  readonly collections: CollectionsApi;
  /** The project's users (service role or admin). */
  readonly users: UsersApi;
  /** The project's auth, mail and realtime settings (service role or admin). */
  readonly settings: SettingsApi;
  /** The project's schema as code: export and atomic import. */
  readonly schema: SchemaApi;
  private readonly http: Transport;
  private readonly key: string | undefined;

  constructor(options: ClientOptions) {
    this.http = new Transport(options, options.token ?? options.key);
    this.url = this.http.baseUrl;
    this.project = options.project;
    this.key = options.key;
    const base = () => this.projectPath();
    const storageKey = `baas.session:${this.url}:${options.project ?? ''}`;
    this.auth = new AuthClient(this.http, base, { ...options.auth, store: options.auth?.store ?? defaultStore(), storageKey });
    this.http.tokens = this.auth;
    this.realtime = new RealtimeClient(this.http, base, options.realtime ?? {});
    this.auth.onAuthStateChange(() => this.realtime.reauthenticate());
    this.storage = new StorageApi(this.http, base);
    this.admin = new AdminApi(this.http, (token) => this.setToken(token));
    this.keys = new KeysApi(this.http, base);
    this.collections = new CollectionsApi(this.http, base);
    this.users = new UsersApi(this.http, base);
    this.settings = new SettingsApi(this.http, base);
    this.schema = new SchemaApi(this.http, base);
  }

  /** The fixed bearer credential: the token if set, else the key (not a signed-in user's token). */
  get credential(): string | undefined {
    return this.http.credential;
  }

  /** Sends `token` as the fixed credential from now on; `undefined` falls back to the client's key. */
  setToken(token: string | undefined): void {
    this.http.credential = token ?? this.key;
    this.realtime.reauthenticate();
  }

  /** The records of a collection: typed by the client's schema. */
  collection<K extends CollectionName<S>>(name: K): RecordsApi<S[K]>;
  /** The records of a collection, typed by hand on an untyped client: `collection<Todo>('todos')`. */
  collection<T extends object>(name: IsUntyped<S> extends true ? string : never): RecordsApi<ShapeOf<T>>;
  collection(name: string): RecordsApi<never> {
    return new RecordsApi(this.http, () => this.projectPath(), () => this.realtime, name);
  }

  /** A filter with `{:name}` placeholders filled by escaped values; see `filter`. */
  filter(template: string, params?: Record<string, FilterValue | undefined>): string {
    return filter(template, params);
  }

  /** Runs operations atomically, each under its collection's rules (at most 100). */
  batch(operations: BatchOperation<S>[]): Promise<BatchResult[]> {
    return runBatch<S>(this.http, this.projectPath(), operations);
  }

  /** Liveness of the server. */
  health(): Promise<Health> {
    return this.http.request('GET', '/v1/health');
  }

  /** Closes the realtime socket and stops refresh timers: call it when the client is no longer needed. */
  close(): void {
    this.realtime.close();
    this.auth.stop();
  }

  private projectPath(): string {
    if (!this.project) throw new TypeError('this call needs a project: createClient({ url, project })');
    return `/v1/projects/${encodeURIComponent(this.project)}`;
  }
}

/** A client for a baas server: `createClient<Schema>({ url, project })`. */
export function createClient<S extends SchemaOf<S> = UntypedSchema>(options: ClientOptions): BaasClient<S> {
  return new BaasClient<S>(options);
}
