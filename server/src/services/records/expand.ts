import { sql } from 'drizzle-orm';
import type { CollectionDefinition, FieldDefinition, RecordData } from '@baas/protocol';
import { ApiError } from '../../errors.ts';
import { tableName } from '../../db/collection-tables.ts';
import { isPrivileged, type ServiceContext } from '../context.ts';
import { and, envOf, ruleCondition, type CollectionAccess } from './access.ts';
import { rowToRecord } from '@baas/schema';

/** `author,comments.author` as a tree: { author: {}, comments: { author: {} } }. */
export type ExpandTree = { [field: string]: ExpandTree };

const MAX_DEPTH = 2;
const MAX_PATHS = 10;

const EMPTY: ExpandTree = Object.freeze(Object.create(null));

/**
 * Parsed trees per catalog (one per schema version, so a schema change starts
 * afresh) and collection: an app sends the same `expand` on every list. The
 * trees are frozen: callers only read them.
 */
const parsedTrees = new WeakMap<ReadonlyMap<string, CollectionDefinition>, Map<string, ExpandTree>>();
const PARSED_TREES_SIZE = 1000;

/** Parses `expand=`; 400 for paths that are not relations or go deeper than two levels. */
export function parseExpand(source: string | undefined, def: CollectionDefinition, catalog: ReadonlyMap<string, CollectionDefinition>): ExpandTree {
  if (!source) return EMPTY;
  let trees = parsedTrees.get(catalog);
  if (!trees) parsedTrees.set(catalog, (trees = new Map()));
  const key = `${def.name}\u0000${source}`;
  let tree = trees.get(key);
  if (!tree) {
    // Only definitions of this catalog are cached under its name.
    if (catalog.get(def.name) !== def) return parseTree(source, def, catalog);
    tree = parseTree(source, def, catalog);
    if (trees.size >= PARSED_TREES_SIZE) trees.clear();
    trees.set(key, tree);
  }
  return tree;
}

function parseTree(source: string, def: CollectionDefinition, catalog: ReadonlyMap<string, CollectionDefinition>): ExpandTree {
  // Null-prototype nodes: a relation field named `constructor` must get its own node, not Object.
  const tree: ExpandTree = Object.create(null);
  const paths = source.split(',').map((p) => p.trim()).filter(Boolean);
  if (paths.length > MAX_PATHS) throw bad(`at most ${MAX_PATHS} expand paths`);
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length > MAX_DEPTH) throw bad(`'${path}' is deeper than ${MAX_DEPTH} levels`);
    let node = tree;
    let current: CollectionDefinition | undefined = def;
    for (const part of parts) {
      const field: FieldDefinition | undefined = current?.fields.find((f) => f.name === part);
      if (!field || field.type !== 'relation') throw bad(`'${path}': '${part}' is not a relation field`);
      current = field.collection === 'users' ? undefined : catalog.get(field.collection!);
      if (!current && part !== parts[parts.length - 1]) throw bad(`'${path}': users cannot be expanded further`);
      node = node[part] ??= Object.create(null);
    }
  }
  return deepFreeze(tree);
}

function deepFreeze(tree: ExpandTree): ExpandTree {
  for (const subtree of Object.values(tree)) deepFreeze(subtree);
  return Object.freeze(tree);
}

function bad(message: string): ApiError {
  return new ApiError('validation_failed', `invalid expand: ${message}`, { fields: { expand: { code: 'invalid_expand', message } } });
}

/**
 * Attaches related records under `record.expand.<field>`. Each related record
 * is read through its own collection's view rule as this actor: a relation
 * never shows what a direct read would not. One query per relation field and
 * level, never one per record.
 */
export async function expandRecords(
  ctx: ServiceContext,
  access: CollectionAccess,
  def: CollectionDefinition,
  records: RecordData[],
  tree: ExpandTree,
): Promise<void> {
  for (const [fieldName, subtree] of Object.entries(tree)) {
    const field = def.fields.find((f) => f.name === fieldName)!;
    const ids = new Set<string>();
    for (const r of records) {
      const v = r[fieldName];
      for (const id of Array.isArray(v) ? v : v == null ? [] : [v]) ids.add(id as string);
    }
    if (ids.size === 0) continue;
    const target = field.collection!;
    const related = target === 'users' ? await loadUsers(ctx, [...ids]) : await loadRecords(ctx, access, target, [...ids], subtree);
    for (const r of records) {
      const v = r[fieldName];
      const expanded = Array.isArray(v) ? v.map((id) => related.get(id as string)).filter(Boolean) : v == null ? undefined : related.get(v as string);
      if (expanded === undefined || (Array.isArray(expanded) && expanded.length === 0 && !Array.isArray(v))) continue;
      ((r.expand ??= {}) as Record<string, unknown>)[fieldName] = expanded;
    }
  }
}

async function loadRecords(
  ctx: ServiceContext,
  access: CollectionAccess,
  target: string,
  ids: string[],
  subtree: ExpandTree,
): Promise<Map<string, RecordData>> {
  const def = access.catalog.get(target)!;
  let rule;
  try {
    rule = ruleCondition(ctx, access, 'view', envOf(ctx), def);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'forbidden') return new Map();
    throw err;
  }
  const table = ctx.db.table(tableName(target));
  const rows = await ctx.db.all(sql`SELECT * FROM ${table} WHERE ${and(sql`${sql.identifier('id')} IN ${ids}`, rule)}`);
  const records = rows.map((row) => rowToRecord(def, row, ctx.db.dialect));
  if (Object.keys(subtree).length) await expandRecords(ctx, { ...access, def, table }, def, records, subtree);
  return new Map(records.map((r) => [r.id, r]));
}

/** Users appear in expansions as their public face; admins and the service role also see email and flags. */
async function loadUsers(ctx: ServiceContext, ids: string[]): Promise<Map<string, RecordData>> {
  const rows = await ctx.db.all<Record<string, unknown>>(
    sql`SELECT id, email, verified, anonymous, role, created_at, updated_at FROM ${ctx.db.table('_users')} WHERE id IN ${ids}`,
  );
  const full = isPrivileged(ctx.actor);
  return new Map(
    rows.map((u) => {
      const user: RecordData = { id: u.id as string, created_at: u.created_at as string, updated_at: u.updated_at as string };
      if (full) Object.assign(user, { email: u.email, verified: Boolean(u.verified), anonymous: Boolean(u.anonymous), role: u.role ?? null });
      return [user.id, user];
    }),
  );
}
