import type { Transport } from './http.ts';
import { pathOf } from './http.ts';

/** A secret key as listed: never the secret, only its first characters (`prefix`). */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
}

/** A key just created: the only time its `secret` (`sk_...`) is shown. */
export interface CreatedKey extends ApiKey {
  secret: string;
}

/** Secret keys of the client's project (service role or admin). */
export class KeysApi {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
  ) {}

  /** The project's keys, oldest first. */
  async list(): Promise<ApiKey[]> {
    return (await this.http.request<{ items: ApiKey[] }>('GET', `${this.base()}/keys`)).items;
  }

  /** Creates a key; keep `secret` now, it cannot be read again. */
  create(options: { name?: string } = {}): Promise<CreatedKey> {
    return this.http.request('POST', `${this.base()}/keys`, { body: options.name !== undefined ? { name: options.name } : {} });
  }

  /** Revokes a key: requests that use it fail from now on. */
  async revoke(id: string): Promise<void> {
    await this.http.request('DELETE', `${this.base()}/keys${pathOf(id)}`);
  }
}
