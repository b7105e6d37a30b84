import { sql, type SQL } from 'drizzle-orm';
import type { AuthUser } from '@baas/protocol';
import { compile, parseSort, serviceUsersLookup } from '@baas/query';
import type { Database } from '../../db/database.ts';
import type { ServiceContext } from '../context.ts';
import { orQueryError } from '../../errors.ts';
import { nowIso } from '../../ids.ts';
import { afterCursor, cursorKind, decodeCursor, encodeCursor, orderBy, type OrderKey } from '../records/cursor.ts';
import { decodeUser, publicUser } from './users.ts';

/** The query of `GET /users`: the record list's filter language over the users fields. */
export interface UserListOptions {
  filter?: string;
  sort?: string;
  limit?: number;
  cursor?: string;
}

/** The users a list page answers at most. */
export const MAX_USERS_LIMIT = 500;

/**
 * Lists a project's users for the service role: `filter` and `sort` over id,
 * email, verified, anonymous, role, disabled, created_at, updated_at and
 * last_sign_in_at; keyset paging with `cursor`, like records.
 */
export async function listUsers(ctx: ServiceContext, options: UserListOptions): Promise<{ items: AuthUser[]; nextCursor: string | null }> {
  const db = ctx.db;
  const sortKey = options.sort ?? '';
  const keys = orderKeys(options.sort);
  const limit = Math.min(options.limit ?? 30, MAX_USERS_LIMIT);
  const conditions: SQL[] = [];
  if (options.filter?.trim()) conditions.push(filterSql(db, options.filter));
  if (options.cursor) conditions.push(afterCursor(keys, decodeCursor(options.cursor, sortKey, keys)));
  const where = conditions.length ? sql.join(conditions.map((c) => sql`(${c})`), sql` AND `) : sql`1 = 1`;
  const rows = await db.all(sql`SELECT * FROM ${db.table('_users')} WHERE ${where} ORDER BY ${orderBy(keys)} LIMIT ${limit + 1}`);
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  return {
    items: rows.map((r) => publicUser(decodeUser(r))),
    nextCursor: hasMore ? encodeCursor(sortKey, keys, rows[rows.length - 1]) : null,
  };
}

function filterSql(db: Database, source: string): SQL {
  return orQueryError('invalid_filter', 'filter', () =>
    compile(serviceUsersLookup, 'users', source).toSql({
      dialect: db.dialect,
      table: () => db.table('_users'),
      // The service role has no user: auth.* is null, as for a guest.
      env: { auth: null, now: nowIso() },
    }));
}

function orderKeys(sort: string | undefined): OrderKey[] {
  let keys: OrderKey[] = [];
  if (sort) {
    keys = orQueryError('invalid_sort', 'sort', () => parseSort(sort, (name) => serviceUsersLookup.field('users', name) !== undefined)).map((k) => ({
      column: k.field,
      desc: k.desc,
      kind: cursorKind(serviceUsersLookup.field('users', k.field)!.type),
    }));
  }
  if (!keys.some((k) => k.column === 'id')) keys.push({ column: 'id', desc: false, kind: 'text' });
  return keys.slice(0, keys.findIndex((k) => k.column === 'id') + 1);
}
