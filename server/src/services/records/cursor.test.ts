/**
 * Covers services/records/cursor.ts: a cursor round-trips the last row's keys,
 * a tampered one or one of another sort is 400 invalid_cursor, and paging
 * with afterCursor through a real SQLite table (nulls, ties, both directions)
 * returns exactly the ORDER BY, once each.
 */
import t from 'tap';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { tempDir } from '@baas/testkit';
import { SqliteDatabase } from '../../db/sqlite.ts';
import { afterCursor, decodeCursor, encodeCursor, orderBy, type OrderKey } from './cursor.ts';

const keys: OrderKey[] = [{ column: 'n', desc: false, kind: 'number' }, { column: 'id', desc: false, kind: 'text' }];

t.test('a cursor round-trips and refuses what is not its own', async (t) => {
  const cursor = encodeCursor('n', keys, { id: 'r1', n: null, other: 'ignored' });
  t.same(decodeCursor(cursor, 'n', keys), [null, 'r1']);
  const refused = (c: string, sort = 'n') => t.throws(() => decodeCursor(c, sort, keys), { code: 'invalid_cursor', status: 400 });
  refused(cursor, '-n'); // another sort
  refused('not base64 json');
  refused(Buffer.from(JSON.stringify({ s: 'n', v: ['only one'] })).toString('base64url')); // wrong length
  refused(Buffer.from(JSON.stringify({ s: 'n', v: [{ $gt: 1 }, 'x'] })).toString('base64url')); // not a scalar
  refused(Buffer.from('null').toString('base64url'));
  // Values must fit their column: SQLite cannot bind a boolean, PostgreSQL refuses text for a number.
  refused(Buffer.from(JSON.stringify({ s: 'n', v: ['abc', 'x'] })).toString('base64url'));
  refused(Buffer.from(JSON.stringify({ s: 'n', v: [1, true] })).toString('base64url'));
  refused(Buffer.from(JSON.stringify({ s: 'n', v: [1, 'a\u0000'] })).toString('base64url'));
});

t.test('paging after cursors returns the ORDER BY exactly, nulls and ties included', async (t) => {
  const dir = tempDir();
  const db = new SqliteDatabase(join(dir.path, 'data.db'));
  t.teardown(async () => {
    await db.close();
    dir.remove();
  });
  await db.run(sql`CREATE TABLE r (id TEXT PRIMARY KEY, n INTEGER)`);
  const values = [3, null, 1, 3, null, 2, 1, 3, null, 2, 0, 3];
  for (const [i, n] of values.entries()) await db.run(sql`INSERT INTO r (id, n) VALUES (${`r${String(i).padStart(2, '0')}`}, ${n})`);

  for (const desc of [false, true]) {
    const order: OrderKey[] = [{ column: 'n', desc, kind: 'number' }, { column: 'id', desc, kind: 'text' }];
    const sort = desc ? '-n' : 'n';
    const all = await db.all<{ id: string; n: number | null }>(sql`SELECT id, n FROM r ORDER BY ${orderBy(order)}`);
    t.equal(all.length, values.length);
    for (const pageSize of [1, 2, 5]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const where = cursor ? sql`WHERE ${afterCursor(order, decodeCursor(cursor, sort, order))}` : sql``;
        const page = await db.all<{ id: string; n: number | null }>(sql`SELECT id, n FROM r ${where} ORDER BY ${orderBy(order)} LIMIT ${pageSize}`);
        seen.push(...page.map((r) => r.id));
        if (page.length < pageSize) break;
        cursor = encodeCursor(sort, order, page[page.length - 1]);
      }
      t.same(seen, all.map((r) => r.id), `${sort}, pages of ${pageSize}`);
    }
  }
});
