/** Covers db/change-log.ts forgetCollectionChanges and the `since` check of realtime/hub.ts: a replay never crosses a dropped collection. */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine } from '../../../../test/harness.ts';
import { listenRealtime, RealtimeClient, settle } from '../../../../test/realtime.ts';

forEachEngine(t, 'realtime since: a replay does not cross a dropped and re-created collection', async (t, api) => {
  const create = async (fields: Array<{ name: string; type: string }>) => {
    const res = await api.request('POST', api.p('/collections'), {
      token: api.secret,
      body: { name: 'notes', fields, rules: { list: '', view: '', create: '', update: '', delete: '' } },
    });
    t.equal(res.status, 201, JSON.stringify(res.body));
  };
  const write = async (body: Record<string, unknown>) => {
    const res = await api.request('POST', api.p('/collections/notes/records'), { token: api.secret, body });
    t.equal(res.status, 201, JSON.stringify(res.body));
  };
  const url = await listenRealtime(api);
  const client = await RealtimeClient.connect(url);
  t.teardown(() => client.close());

  // The old collection: a field with private data, written once; a client remembers the seq before it.
  await create([{ name: 'secret', type: 'text' }]);
  const { seq: before } = await client.call({ op: 'subscribe', id: 'first', collection: 'notes' });
  await write({ secret: 'the old collection' });
  t.match(await client.next((f) => f.op === 'change' && f.sub === 'first'), { record: { secret: 'the old collection' } });
  t.match(await client.call({ op: 'unsubscribe', id: 'first' }), { op: 'ack' });

  // Dropped and made anew, with other fields, then written to.
  t.equal((await api.request('DELETE', api.p('/collections/notes'), { token: api.secret })).status, 204);
  await create([{ name: 'title', type: 'text' }]);
  await write({ title: 'the new collection' });

  // The remembered seq is older than the new collection: refetch, not a replay of the old one.
  const stale = await client.call({ op: 'subscribe', id: 'stale', collection: 'notes', since: before });
  t.match(stale, { op: 'error', error: { code: 'since_too_old' } }, 'since from before the drop is since_too_old');
  const oldestSince = stale.error.details.oldestSince as number;
  t.ok(oldestSince > before, 'oldestSince is past the old collection');
  await settle();
  t.same(client.frames.filter((f) => f.op === 'change'), [], 'nothing of the old collection was replayed');

  // From oldestSince on, the replay is the new collection's alone.
  t.match(await client.call({ op: 'subscribe', id: 'fresh', collection: 'notes', since: oldestSince }), { op: 'ack' });
  t.match(await client.next((f) => f.op === 'change' && f.sub === 'fresh'), { record: { title: 'the new collection' } });
  await settle();
  t.same(client.takeChanges('fresh'), [], 'and only it');

  // The log itself no longer holds the old records.
  const project = (await api.app.baas.registry.get('app'))!;
  const rows = await project.db.all<{ record: unknown }>(sql`SELECT record FROM ${project.db.table('_changes')}`);
  t.notOk(rows.some((r) => JSON.stringify(r.record).includes('the old collection')), 'the dropped collection\'s data left the log');
});
