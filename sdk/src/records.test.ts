import t from 'tap';
import { failure, startServer } from '../test/server.ts';
import { createClient } from './index.ts';

const { instance, url } = await startServer(t.teardown);
const service = createClient({ url, project: 'app', key: instance.secret });
await service.collections.create({
  name: 'notes',
  fields: [{ name: 'title', type: 'text', required: true }, { name: 'rank', type: 'integer' }],
  rules: { list: '', view: '', create: '', update: '', delete: '' },
});
interface Note {
  title: string;
  rank: number | null;
}
const notes = createClient({ url, project: 'app' }).collection<Note>('notes');
t.teardown(() => service.close());

t.test('getFirst: the first match in sort order, or 404', async (t) => {
  for (const [title, rank] of [['b', 2], ['a', 1], ['c', 3]] as const) await notes.create({ title, rank });
  t.equal((await notes.getFirst('rank > 1', { sort: 'rank' })).title, 'b');
  t.equal((await notes.getFirst('rank > 1', { sort: '-rank' })).title, 'c');
  t.match(await failure(() => notes.getFirst('rank > 99')), { status: 404, code: 'record_not_found' });
  t.match(await failure(() => notes.getFirst('rank >')), { status: 400, code: 'invalid_filter' });
});

t.test('a collection is async-iterable over every page', async (t) => {
  for (let i = 0; i < 65; i++) await notes.create({ title: `n${i}`, rank: 100 + i });
  const seen: string[] = [];
  for await (const note of notes) seen.push(note.title);
  t.equal(seen.length, 68, 'all records, across three pages of 30');
  t.equal(new Set(seen).size, 68, 'none twice');
  const ranks: number[] = [];
  for await (const note of notes.iterate({ filter: 'rank >= 160', sort: '-rank', limit: 2 })) ranks.push(note.rank!);
  t.same(ranks, [164, 163, 162, 161, 160], 'filter and sort hold across pages');
});

t.test('batch: all or nothing, the failing operation named', async (t) => {
  const client = createClient({ url, project: 'app' });
  const target = await notes.create({ title: 'target', rank: 0 });
  const results = await client.batch([
    { action: 'create', collection: 'notes', data: { title: 'from batch' } },
    { action: 'update', collection: 'notes', id: target.id, data: { rank: 7 } },
  ]);
  t.match(results, [{ status: 201, body: { title: 'from batch' } }, { status: 200, body: { rank: 7 } }]);

  const err = await failure(() => client.batch([
    { action: 'delete', collection: 'notes', id: target.id },
    { action: 'create', collection: 'notes', data: { rank: 1 } },
  ]));
  t.match(err, { status: 400, code: 'validation_failed', details: { operation: 1 } });
  t.equal((await notes.getOne(target.id)).rank, 7, 'the delete before the failure was rolled back');
});

t.test('update answers null when the view rule hides the updated record', async (t) => {
  await service.collections.create({
    name: 'dropbox',
    fields: [{ name: 'title', type: 'text', required: true }],
    rules: { create: '', update: '', view: null },
  });
  const box = createClient({ url, project: 'app' }).collection<{ title: string }>('dropbox');
  const note = await box.create({ title: 'sealed' });
  t.equal(await box.update(note.id, { title: 'resealed' }), null);
  const [result] = await createClient({ url, project: 'app' }).batch([{ action: 'update', collection: 'dropbox', id: note.id, data: {} }]);
  t.same(result, { status: 204, body: null });
  t.equal((await service.collection<{ title: string }>('dropbox').getOne(note.id)).title, 'resealed');
});
