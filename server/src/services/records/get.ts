import { sql } from 'drizzle-orm';
import type { RecordData } from '@baas/protocol';
import { ApiError } from '../../errors.ts';
import type { ServiceContext } from '../context.ts';
import { accessCollection, and, envOf, ruleCondition, type CollectionAccess } from './access.ts';
import { rowToRecord } from '@baas/schema';
import { selectFields } from './codec.ts';
import { expandRecords, parseExpand } from './expand.ts';

/** The condition naming one record by id. */
export const byId = (id: string) => sql`${sql.identifier('id')} = ${id}`;

/** 404 for a record that does not exist or that the caller's rule hides: the two are never told apart. */
export function recordNotFound(collection: string, id: string): ApiError {
  return new ApiError('record_not_found', `no record '${id}' in '${collection}'`);
}

/** One record through the view rule; 404 when it does not exist or the rule hides it. */
export async function getRecord(ctx: ServiceContext, collection: string, id: string, options: { expand?: string; fields?: string } = {}): Promise<RecordData> {
  return getRecordOf(ctx, await accessCollection(ctx, collection), id, options);
}

/** getRecord on a collection already resolved (the route keeps `access` to pick the reply's serializer). */
export async function getRecordOf(ctx: ServiceContext, access: CollectionAccess, id: string, options: { expand?: string; fields?: string } = {}): Promise<RecordData> {
  const collection = access.def.name;
  const rule = ruleCondition(ctx, access, 'view', envOf(ctx));
  const tree = parseExpand(options.expand, access.def, access.catalog);
  const row = await ctx.db.get(sql`SELECT * FROM ${access.table} WHERE ${and(byId(id), rule)}`);
  if (!row) throw recordNotFound(collection, id);
  const record = rowToRecord(access.def, row, ctx.db.dialect);
  await expandRecords(ctx, access, access.def, [record], tree);
  return selectFields([record], options.fields)[0];
}
