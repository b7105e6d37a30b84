import { ruleNames, type CollectionDefinition, type SchemaDiff, type SchemaDocument } from '@baas/protocol';
import { sql } from 'drizzle-orm';
import { ApiError } from '../errors.ts';
import type { BlobDriver } from '../storage/driver.ts';
import { withDb, type ServiceContext } from './context.ts';
import { createCollection, deleteCollection, listCollections, updateCollection, dataDropped, lockedCatalog, normalize } from './collections.ts';
import { createBucket, deleteBucket, listBuckets, updateBucket } from './storage/buckets.ts';

export type { SchemaDocument, SchemaDiff };

/** Thrown inside the import's transaction to roll a dry run back. */
class DryRun extends Error {}

const isEmpty = (diff: SchemaDiff) =>
  [diff.collections.added, diff.collections.changed, diff.collections.removed, diff.buckets.added, diff.buckets.changed, diff.buckets.removed].every((l) => l.length === 0);

/** Field-by-field what differs between two definitions of one collection, for people. */
function describeChanges(before: CollectionDefinition, after: CollectionDefinition): string[] {
  const changes: string[] = [];
  for (const field of after.fields) {
    const old = before.fields.find((f) => f.id === field.id);
    if (!old) changes.push(`field '${field.name}' added`);
    else if (old.name !== field.name) changes.push(`field '${old.name}' renamed to '${field.name}'`);
    else if (JSON.stringify(old) !== JSON.stringify(field)) changes.push(`field '${field.name}' changed`);
  }
  for (const old of before.fields) if (!after.fields.some((f) => f.id === old.id)) changes.push(`field '${old.name}' removed`);
  for (const rule of ruleNames) {
    if (before.rules[rule] !== after.rules[rule]) changes.push(`rule '${rule}' changed`);
  }
  if (JSON.stringify(before.indexes) !== JSON.stringify(after.indexes)) changes.push('indexes changed');
  return changes;
}

/** New collections in an order where relation targets come first. */
function creationOrder(added: CollectionDefinition[]): CollectionDefinition[] {
  const names = new Set(added.map((d) => d.name));
  const out: CollectionDefinition[] = [];
  const visit = (def: CollectionDefinition, path: string[]) => {
    if (out.includes(def)) return;
    if (path.includes(def.name)) throw new ApiError('invalid_schema', `new collections refer to each other in a cycle (${[...path, def.name].join(' -> ')}): create one without the relation first`);
    for (const f of def.fields) {
      if (f.type === 'relation' && f.collection !== def.name && names.has(f.collection!)) visit(added.find((d) => d.name === f.collection)!, [...path, def.name]);
    }
    out.push(def);
  };
  for (const def of added) visit(def, []);
  return out;
}

function checkDocument(doc: unknown): SchemaDocument {
  const d = doc as Partial<SchemaDocument> | null;
  if (!d || typeof d !== 'object' || d.format !== 'baas-schema' || !Array.isArray(d.collections) || !Array.isArray(d.buckets)) {
    throw new ApiError('validation_failed', 'a schema document has "format": "baas-schema" and the arrays "collections" and "buckets" (as `baas collections export` writes it)');
  }
  if ((d.version ?? 1) > 1) throw new ApiError('validation_failed', `schema format version ${d.version} is newer than this server reads (1)`);
  return d as SchemaDocument;
}

// Schema as code: the collections (fields, indexes, rules) and bucket
// settings of a project as one document; an import makes the project match
// it, in one transaction (all of it or none), after showing what changes.

export async function exportSchema(ctx: ServiceContext): Promise<SchemaDocument> {
  const collections = (await listCollections(ctx)).map(({ createdAt: _c, updatedAt: _u, ...def }) => def);
  const buckets = (await listBuckets(ctx)).map((b) => ({ name: b.name, public: b.public, maxSize: b.maxSize, allowedTypes: b.allowedTypes, rules: b.rules }));
  return { format: 'baas-schema', version: 1, collections, buckets };
}

/**
 * Makes the project's schema the document's: the diff, and with `dryRun`
 * nothing more (the changes are still made and rolled back, so every error
 * an apply would meet shows). Deleting data (fields holding values,
 * collections with records, buckets with objects) needs `allowDrop`, else
 * 409 `would_drop_data` with the diff.
 */
export async function importSchema(ctx: ServiceContext, input: unknown, options: { dryRun?: boolean; allowDrop?: boolean } = {}): Promise<{ diff: SchemaDiff; applied: boolean }> {
  const doc = checkDocument(input);
  const blobsToDelete: string[] = [];
  // Blobs of removed buckets go only after the commit: a rollback must find them still there.
  const deferred = { delete: async (key: string) => void blobsToDelete.push(key) } as unknown as BlobDriver;
  let diff!: SchemaDiff;
  try {
    await ctx.db.transaction(async (tx) => {
      // The whole import is one schema change: no other may interleave (collections.ts).
      const current = await lockedCatalog(tx);
      const c = withDb(ctx, tx);
      diff = { collections: { added: [], changed: [], removed: [] }, buckets: { added: [], changed: [], removed: [] }, dropped: [] };
      const wanted = new Map(doc.collections.map((d) => [String((d as { name?: unknown }).name), d]));
      const added: CollectionDefinition[] = [];
      const changed: Array<{ before: CollectionDefinition; after: CollectionDefinition }> = [];
      for (const [name, def] of wanted) {
        const before = current.get(name);
        if (!before) added.push(normalize(def));
        else {
          const after = normalize(def, before);
          const changes = describeChanges(before, after);
          if (changes.length) changed.push({ before, after });
          if (changes.length) diff.collections.changed.push({ name, changes });
        }
      }
      const removed = [...current.keys()].filter((name) => !wanted.has(name));
      diff.collections.added = added.map((d) => d.name);
      diff.collections.removed = removed;
      for (const { before, after } of changed) {
        for (const d of await dataDropped(tx, before, after)) diff.dropped.push({ collection: before.name, ...d });
      }
      for (const name of removed) {
        const row = await tx.get<{ n: number | string }>(sql`SELECT count(*) AS n FROM ${tx.table(name)}`);
        if (Number(row?.n) > 0) diff.dropped.push({ collection: name, records: Number(row?.n) });
      }

      const buckets = new Map((await listBuckets(c)).map((b) => [b.name, b]));
      const wantedBuckets = new Map(doc.buckets.map((b) => [b.name, b]));
      for (const [name, b] of wantedBuckets) {
        const have = buckets.get(name);
        if (!have) diff.buckets.added.push(name);
        else {
          const changes = (['public', 'maxSize', 'allowedTypes', 'rules'] as const)
            .filter((k) => b[k] !== undefined && JSON.stringify(b[k]) !== JSON.stringify(have[k]))
            .map((k) => `${k} changed`);
          if (changes.length) diff.buckets.changed.push({ name, changes });
        }
      }
      diff.buckets.removed = [...buckets.keys()].filter((name) => !wantedBuckets.has(name));
      for (const name of diff.buckets.removed) {
        const row = await tx.get<{ n: number | string }>(sql`SELECT count(*) AS n FROM ${tx.table('_objects')} WHERE bucket = ${name}`);
        if (Number(row?.n) > 0) diff.dropped.push({ bucket: name, objects: Number(row?.n) });
      }
      if (diff.dropped.length && !options.allowDrop && !options.dryRun) {
        throw new ApiError('would_drop_data', `the import would delete data (${describeDropped(diff)}); to go ahead, say so with allowDrop`, { diff });
      }

      // Apply: new collections (targets first), changes, removals; then buckets.
      for (const def of creationOrder(added)) await createCollection(c, wanted.get(def.name));
      for (const { before } of changed) {
        await updateCollection(c, before.name, wanted.get(before.name), { drop: diff.dropped.flatMap((d) => ('field' in d && d.collection === before.name ? [d.field!] : [])) });
      }
      for (const name of removed) await deleteCollection(c, name);
      for (const name of diff.buckets.added) await createBucket(c, wantedBuckets.get(name)!);
      for (const { name } of diff.buckets.changed) {
        const { name: _n, ...settings } = wantedBuckets.get(name)!;
        await updateBucket(c, name, settings);
      }
      for (const name of diff.buckets.removed) await deleteBucket({ ...c, blobs: deferred }, name, true);
      if (options.dryRun) throw new DryRun();
    });
  } catch (err) {
    // The catalog cached during the rolled-back work is not the store's.
    ctx.project.state.drop('collections');
    if (err instanceof DryRun) return { diff, applied: false };
    throw err;
  }
  ctx.project.state.drop('collections');
  await Promise.all(blobsToDelete.map((key) => ctx.blobs.delete(key).catch(() => undefined)));
  return { diff, applied: !isEmpty(diff) };
}

/** `posts.body (3 records), the collection drafts (10 records), the bucket tmp (2 objects)`. */
export function describeDropped(diff: SchemaDiff): string {
  return diff.dropped
    .map((d) => ('bucket' in d ? `the bucket ${d.bucket} (${d.objects} objects)` : d.field ? `${d.collection}.${d.field} (${d.records} records)` : `the collection ${d.collection} (${d.records} records)`))
    .join(', ');
}
