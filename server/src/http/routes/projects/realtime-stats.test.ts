/** Covers http/routes/projects/realtime-stats.ts and RealtimeService.stats (realtime/index.ts). */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';
import { codeOf } from '../../../../test/auth.ts';
import { listenRealtime, RealtimeClient } from '../../../../test/realtime.ts';

forEachEngine(t, 'realtime/stats: connections, subscriptions and channels of the project', async (t, api) => {
  await api.request('POST', api.p('/collections'), { token: api.secret, body: { name: 'notes', fields: [{ name: 'text', type: 'text' }], rules: { list: '' } } });
  await api.request('POST', '/v1/admin/projects', { token: api.adminToken, body: { id: 'other' } });
  const url = await listenRealtime(api);
  const stats = async (project = api.project) => (await api.request('GET', `/v1/projects/${project}/realtime/stats`, { token: api.adminToken })).body;
  /** Counts change when the server has processed the frames: poll briefly. */
  const eventually = async (want: object, project?: string) => {
    for (let i = 0; i < 50; i++) {
      if (JSON.stringify(await stats(project)) === JSON.stringify(want)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return stats(project);
  };

  t.same(await stats(), { connections: 0, subscriptions: 0, channels: 0 });
  const a = await RealtimeClient.connect(url);
  const b = await RealtimeClient.connect(url);
  const other = await RealtimeClient.connect(url.replace('/app/', '/other/'));
  t.teardown(() => [a, b, other].forEach((c) => c.close()));
  t.equal((await a.call({ op: 'subscribe', id: 's1', collection: 'notes' })).op, 'ack');
  t.equal((await a.call({ op: 'subscribe', id: 's2', collection: 'notes', filter: "text = 'x'" })).op, 'ack');
  t.equal((await b.call({ op: 'subscribe', id: 's1', collection: 'notes' })).op, 'ack');
  t.equal((await b.call({ op: 'auth', id: 'auth', token: api.secret })).op, 'ack');
  t.equal((await b.call({ op: 'join', id: 'j', channel: 'room:1' })).op, 'ack');
  t.same(await eventually({ connections: 2, subscriptions: 3, channels: 1 }), { connections: 2, subscriptions: 3, channels: 1 });
  t.same(await eventually({ connections: 1, subscriptions: 0, channels: 0 }, 'other'), { connections: 1, subscriptions: 0, channels: 0 }, 'another project counts apart');

  t.equal((await a.call({ op: 'unsubscribe', id: 's2' })).op, 'ack');
  b.close();
  await b.closed;
  t.same(await eventually({ connections: 1, subscriptions: 1, channels: 0 }), { connections: 1, subscriptions: 1, channels: 0 }, 'closing a connection drops its share');

  let res = await api.request('GET', api.p('/realtime/stats'));
  t.equal(res.status, 401);
  t.equal(codeOf(res), 'unauthorized');
  res = await api.request('GET', api.p('/realtime/stats'), { token: api.secret });
  t.equal(res.status, 200, 'the service role may');
  res = await api.request('GET', '/v1/projects/nope/realtime/stats', { token: api.adminToken });
  t.equal(codeOf(res), 'project_not_found');
});
