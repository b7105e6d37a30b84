import type { Transport } from '../http.ts';

/** Buckets and objects of the project. STUB: the storage helper fills this in. */
export class StorageApi {
  constructor(
    protected readonly http: Transport,
    protected readonly base: () => string,
  ) {}
}
