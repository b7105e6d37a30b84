/** Covers services/records/write.ts (concurrent updates and the change log on PostgreSQL). */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine } from '../../../../test/harness.ts';

// Covers services/records/write.ts (lockedRow): two clients patching different
// fields of one record at once. Each field only ever grows, so any change-log
// entry or reply where the other field went back is a stale read of the row.

forEachEngine(t, 'concurrent partial updates never log or answer a stale copy of the other field', async (t, api) => {
  const req = (method: string, path: string, body?: unknown) => api.request(method, api.p(path), { token: api.secret, body });
  await req('POST', '/collections', { name: 'counters', fields: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }] });
  const { body: record } = await req('POST', '/collections/counters/records', { a: 0, b: 0 });
  const rounds = 60;
  const replies: Array<{ a: number; b: number }> = [];
  const client = async (field: 'a' | 'b') => {
    for (let i = 1; i <= rounds; i++) {
      const res = await req('PATCH', `/collections/counters/records/${record.id}`, { [field]: i });
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      replies.push(res.body);
    }
  };
  // Several requests in flight per field, so PostgreSQL really runs them side by side.
  await Promise.all([client('a'), client('b'), client('a'), client('b')]);

  const { db } = (await api.app.baas.registry.get('app'))!;
  const rows = await db.all<{ record: unknown; previous: unknown }>(
    sql`SELECT record, previous FROM ${db.table('_changes')} WHERE action = 'update' ORDER BY seq`,
  );
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as { a: number; b: number };
  t.equal(rows.length, rounds * 4, 'one entry per update');
  let stale = 0;
  let last = { a: 0, b: 0 };
  for (const row of rows) {
    const now = parse(row.record);
    const before = parse(row.previous);
    // Each entry's previous is exactly the entry before it: nothing lost, nothing stale.
    if (before.a !== last.a || before.b !== last.b) stale++;
    last = now;
  }
  t.equal(stale, 0, 'every entry starts from the one before it');
  const final = (await req('GET', `/collections/counters/records/${record.id}`)).body;
  t.same({ a: final.a, b: final.b }, { a: last.a, b: last.b }, 'the log replays to the stored row');
  t.equal(replies.length, rounds * 4);
  t.ok(replies.every((r) => r.a <= final.a && r.b <= final.b));
});
