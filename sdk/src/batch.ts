import type { Transport } from './http.ts';
import type { CollectionName, CollectionShape, RecordOf, SchemaOf } from './schema.ts';

/** One operation of a batch. */
export type BatchOperation<S extends SchemaOf<S>> = {
  [K in CollectionName<S>]:
    | { action: 'create'; collection: K; data: S[K]['create'] }
    | { action: 'update'; collection: K; id: string; data: S[K]['update'] }
    | { action: 'delete'; collection: K; id: string };
}[CollectionName<S>];

/**
 * The result of one operation: the record of a create or update; null for a
 * delete, and for an update (status 204) whose record the view rule hides.
 */
export interface BatchResult<R = RecordOf<CollectionShape>> {
  status: number;
  body: R | null;
}

/**
 * Runs up to 100 operations in order in one transaction, each under its
 * collection's rules: all happen or none. A failure throws the failing
 * operation's error with `details.operation` = its index.
 */
export async function runBatch<S extends SchemaOf<S>>(http: Transport, base: string, operations: BatchOperation<S>[]): Promise<BatchResult[]> {
  const reply = await http.request<{ results: BatchResult[] }>('POST', `${base}/batch`, { body: { operations } });
  return reply.results;
}
