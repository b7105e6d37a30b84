/**
 * Covers realtime/judge.ts: who sees a change, as the record is now and as it
 * was before an update, under the list and view rules plus a subscription's
 * filter; the service role bypasses rules; a rule that reads a relation is
 * judged on related records prefetched from the store (a delete included,
 * whose row is gone); a filter on a field removed since subscribing sees nothing.
 */
import t from 'tap';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { tempDir } from '@baas/testkit';
import type { CollectionDefinition, RecordData } from '@baas/protocol';
import { normalizeCollection } from '@baas/schema';
import { SqliteDatabase } from '../db/sqlite.ts';
import { ChangeJudge, guestViewer, privilegedViewer, userViewer, type ChangeEvent } from './judge.ts';

const user = (id: string) => userViewer({ id, email: `${id}@example.com`, verified: true, anonymous: false, role: null, data: {} });
const ann = user('ann');
const bob = user('bob');
const at = '2026-12-01T00:00:00.000Z';
const note = (fields: Record<string, unknown>): RecordData => ({ id: 'n1', created_at: at, updated_at: at, title: 'x', owner: 'ann', public: false, team: null, ...fields });

const notes = normalizeCollection({
  name: 'notes',
  fields: [{ name: 'title', type: 'text' }, { name: 'owner', type: 'text' }, { name: 'public', type: 'boolean' }, { name: 'team', type: 'relation', collection: 'teams' }],
  rules: { list: 'public = true || owner = auth.id', view: 'owner = auth.id || team.lead = auth.id', create: null, update: null, delete: null },
});
const teams = normalizeCollection({ name: 'teams', fields: [{ name: 'lead', type: 'text' }], rules: {} });
const catalog = new Map<string, CollectionDefinition>([['notes', notes], ['teams', teams]]);

async function store(t: any): Promise<SqliteDatabase> {
  const dir = tempDir();
  const db = new SqliteDatabase(join(dir.path, 'data.db'));
  t.teardown(async () => {
    await db.close();
    dir.remove();
  });
  await db.run(sql`CREATE TABLE teams (id TEXT PRIMARY KEY, created_at TEXT, updated_at TEXT, lead TEXT)`);
  await db.run(sql`INSERT INTO teams VALUES ('t1', ${at}, ${at}, 'bob')`);
  return db;
}

const change = (action: ChangeEvent['action'], record: RecordData, previous: RecordData | null = null): ChangeEvent => ({ seq: 1, collection: 'notes', action, record, previous });

t.test('list rule: the record now and before the update, per viewer', async (t) => {
  const db = await store(t);
  // ann's private note becomes public: guests enter, ann saw it all along.
  const judge = await ChangeJudge.prepare(db, catalog, change('update', note({ public: true }), note({})));
  const list = { rule: 'list' as const };
  t.same([judge.sees(guestViewer, list, 'record'), judge.sees(guestViewer, list, 'previous')], [true, false], 'a guest: enters');
  t.same([judge.sees(ann, list, 'record'), judge.sees(ann, list, 'previous')], [true, true], 'the owner: stays');
  t.same([judge.sees(bob, list, 'record'), judge.sees(bob, list, 'previous')], [true, false], 'bob: enters');
  t.equal(judge.sees(guestViewer, { rule: 'list', filter: "title = 'y'" }, 'record'), false, 'the filter is ANDed in');
  t.equal(judge.sees(guestViewer, { rule: 'list', filter: "title = 'x'" }, 'record'), true);
});

t.test('view rule through a relation, prefetched; privileged viewers bypass rules', async (t) => {
  const db = await store(t);
  const view = { rule: 'view' as const };
  const judge = await ChangeJudge.prepare(db, catalog, change('delete', note({ team: 't1' })));
  t.equal(judge.sees(bob, view, 'record'), true, "bob leads the note's team: he hears the delete");
  t.equal(judge.sees(ann, view, 'record'), true, 'the owner');
  t.equal(judge.sees(user('cy'), view, 'record'), false);
  t.equal(judge.sees(guestViewer, view, 'record'), false);
  t.equal(judge.sees(guestViewer, view, 'previous'), false, 'no previous for a delete');
  t.equal(judge.sees(privilegedViewer, { rule: 'view', filter: "owner = 'ann'" }, 'record'), true, 'the service role: the filter only');
  t.equal(judge.sees(privilegedViewer, { rule: 'view', filter: "owner = 'bob'" }, 'record'), false);
});

t.test('locked rules, unknown collections and stale filters see nothing', async (t) => {
  const db = await store(t);
  const locked = new Map(catalog);
  locked.set('notes', { ...notes, rules: { ...notes.rules, list: null } });
  const judge = await ChangeJudge.prepare(db, locked, change('create', note({ public: true })));
  t.equal(judge.sees(ann, { rule: 'list' }, 'record'), false, 'a null rule: nobody but the service role');
  t.equal(judge.sees(privilegedViewer, { rule: 'list' }, 'record'), true);
  t.equal(judge.sees(ann, { rule: 'view', filter: 'removed_field = 1' }, 'record'), false, 'a filter that no longer binds');
  const other = await ChangeJudge.prepare(db, catalog, { ...change('create', note({})), collection: 'gone' });
  t.equal(other.sees(privilegedViewer, { rule: 'list' }, 'record'), false, 'a collection deleted since');
});
