import type { BatchOperation, RecordData } from '@baas/protocol';
import { ApiError } from '../errors.ts';
import { withDb, type ServiceContext } from './context.ts';
import { createRecord, deleteRecord, RECORD_WRITE, updateRecord } from './records/write.ts';

/**
 * The outcome of one batch operation, as a standalone call would have
 * answered: an update the view rule hides from the caller is a 204 with no body.
 */
export interface BatchResult {
  status: number;
  body: RecordData | null;
}

export const MAX_BATCH_OPERATIONS = 100;

/**
 * Runs operations in order in one transaction: all of them happen, or none
 * (change log included). The first failure aborts the batch and its error
 * names the operation's index. Its operations are record writes, which take
 * the record-write locks first: on PostgreSQL it joins their group commit.
 */
export async function runBatch(ctx: ServiceContext, operations: BatchOperation[]): Promise<BatchResult[]> {
  return ctx.db.transaction(async (tx) => {
    const inTx = withDb(ctx, tx);
    const results: BatchResult[] = [];
    for (const [index, op] of operations.entries()) {
      try {
        if (op.action === 'create') results.push({ status: 201, body: await createRecord(inTx, op.collection, op.data) });
        else if (op.action === 'update') {
          const updated = await updateRecord(inTx, op.collection, op.id, op.data);
          results.push(updated === null ? { status: 204, body: null } : { status: 200, body: updated });
        }
        else {
          await deleteRecord(inTx, op.collection, op.id);
          results.push({ status: 204, body: null });
        }
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        throw new ApiError(err.code, `operation ${index} (${op.action} ${op.collection}): ${err.message}`, { ...err.details, operation: index });
      }
    }
    return results;
  }, RECORD_WRITE);
}
