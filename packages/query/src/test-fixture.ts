/**
 * The schema the package's tests use: a `posts` collection with every kind of field,
 * relations to `users` (single and multiple) and to itself. Test support only.
 */
import { sql } from 'drizzle-orm';
import type { Env, FieldInfo, SchemaLookup, SqlContext, Dialect } from './index.ts';
import { tableSchema } from './lookup.ts';

/** Field definitions per collection (system fields come from the compiler's defaults). */
export const fixtureFields: Record<string, Record<string, FieldInfo>> = {
  posts: {
    title: { type: 'text' },
    body: { type: 'text' },
    count: { type: 'integer' },
    score: { type: 'number' },
    published: { type: 'boolean' },
    day: { type: 'date' },
    status: { type: 'select' },
    tags: { type: 'select', multiple: true },
    author: { type: 'relation', collection: 'users' },
    editors: { type: 'relation', collection: 'users', multiple: true },
    parent: { type: 'relation', collection: 'posts' },
    meta: { type: 'json' },
  },
  users: {
    email: { type: 'email' },
    verified: { type: 'boolean' },
    anonymous: { type: 'boolean' },
    role: { type: 'text' },
    data: { type: 'json' },
  },
};

/** A SchemaLookup over fixtureFields. */
export const fixtureSchema: SchemaLookup = tableSchema(fixtureFields);

/** A guest environment at a fixed time. */
export const guestEnv: Env = { auth: null, now: '2024-05-01T12:00:00.000Z' };

/** An SqlContext for `posts` with unqualified table names. */
export function fixtureSqlContext(dialect: Dialect, env: Env = guestEnv): SqlContext {
  return { dialect, schema: fixtureSchema, collection: 'posts', table: (c) => sql`${sql.identifier(c)}`, env };
}
