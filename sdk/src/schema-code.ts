import type { SchemaDiff, SchemaDocument } from '@baas/protocol';
import type { Transport } from './http.ts';

/** Schema as code of the client's project (service role or admin): export, and an atomic import with a diff. */
export class SchemaApi {
  constructor(
    private readonly http: Transport,
    private readonly base: () => string,
  ) {}

  /** The collections (fields, indexes, rules) and bucket settings as one document. */
  export(): Promise<SchemaDocument> {
    return this.http.request('GET', `${this.base()}/schema`);
  }

  /**
   * Makes the project's schema match `document`, all or nothing, and returns
   * the diff. `dryRun` only computes it (every error an apply would meet
   * shows). Deleting data needs `allowDrop`, else `would_drop_data` (409) with
   * the diff in `details.diff`.
   */
  import(document: SchemaDocument, options: { dryRun?: boolean; allowDrop?: boolean } = {}): Promise<{ diff: SchemaDiff; applied: boolean }> {
    return this.http.request('PUT', `${this.base()}/schema`, {
      body: document,
      query: { dryRun: options.dryRun ? true : undefined, allowDrop: options.allowDrop ? true : undefined },
    });
  }
}
