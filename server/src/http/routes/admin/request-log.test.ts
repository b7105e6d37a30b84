import t from 'tap';
import { sql } from 'drizzle-orm';
import { forEachEngine, startInstance } from '../../../../test/harness.ts';

forEachEngine(t, 'request log: recorded off the request path, listed with filters and pages, newest first', async (t, api) => {
  const sk = api.secret;
  api.app.get('/v1/test-boom', async () => {
    throw new Error('boom');
  });
  const from = new Date(Date.now() - 1000).toISOString();
  await api.request('POST', api.p('/collections'), { token: sk, body: { name: 'notes', fields: [{ name: 'title', type: 'text' }] } });
  for (let i = 0; i < 3; i++) await api.request('GET', api.p('/collections/notes/records'), { token: sk });
  await api.request('GET', api.p('/collections/notes/records?token=s3cret-value'));
  await api.request('GET', api.p('/collections/nope/records'), { token: sk });
  await api.request('GET', '/v1/admin/projects', { token: api.adminToken });
  const boom = await api.request('GET', '/v1/test-boom');
  await api.request('GET', '/v1/metrics', { token: api.adminToken });

  const before = await api.request('GET', '/v1/admin/request-log', { token: api.adminToken });
  t.same(before.body.items, [], 'nothing is written until the batch goes in');
  await api.app.baas.requestLog.flush();

  const list = (query: string) => api.request('GET', `/v1/admin/request-log${query}`, { token: api.adminToken });
  const all = (await list('')).body.items;
  t.equal(all.length, 8, 'every request but the log reads and the scrape');
  t.ok(all.every((e: any, i: number) => i === 0 || e.id < all[i - 1].id), 'newest first');
  t.match(all[0], { route: '/v1/test-boom', status: 500, requestId: boom.body.error.requestId, project: null, actor: 'guest', method: 'GET', ms: Number });
  t.notOk(all.some((e: any) => e.route === '/v1/metrics' || e.route.startsWith('/v1/admin/request-log')));
  t.notMatch(JSON.stringify(all), /s3cret-value/, 'query secrets are redacted');
  t.ok(all.some((e: any) => e.url.endsWith('?token=[redacted]')));

  const route = '/v1/projects/:project/collections/:name/records';
  t.equal((await list(`?route=${encodeURIComponent(route)}`)).body.items.length, 5, 'by route');
  t.equal((await list(`?route=${encodeURIComponent(route)}&status=2xx`)).body.items.length, 3, 'by status class (the guest was refused)');
  t.equal((await list('?status=404')).body.items.length, 1, 'by status');
  t.equal((await list('?status=5xx')).body.items[0].requestId, boom.body.error.requestId);
  t.equal((await list('?project=app')).body.items.length, 6, 'by project');
  t.equal((await list('?actor=guest')).body.items.length, 2, 'by actor kind');
  t.equal((await list('?actor=admin')).body.items[0].route, '/v1/admin/projects');
  t.equal((await list(`?from=${from}`)).body.items.length, 8, 'from a time');
  t.equal((await list(`?to=${from}`)).body.items.length, 0, 'to a time');

  const page1 = (await list('?limit=5')).body;
  t.equal(page1.items.length, 5);
  const page2 = (await list(`?limit=5&cursor=${page1.nextCursor}`)).body;
  t.same([...page1.items, ...page2.items].map((e: any) => e.id), all.map((e: any) => e.id), 'pages continue where the last ended');
  t.equal(page2.nextCursor, null);

  t.equal((await list('?status=600')).status, 400, 'a bad filter is a 400');
  t.equal((await api.request('GET', '/v1/admin/request-log')).status, 401);
  t.equal((await api.request('GET', '/v1/admin/request-log', { token: sk })).status, 403, 'admins only');
});

forEachEngine(t, 'request log: per-minute rate, error rate, p50 and p99; retention by days and by rows', async (t, api) => {
  const db = api.app.baas.instance;
  const table = db.table('request_log');
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  // Minute 1: 100 requests taking 1..100 ms, 5 of them 5xx; minute 3: 2 requests.
  for (let i = 1; i <= 100; i++) {
    await db.run(sql`INSERT INTO ${table} (at, request_id, method, route, url, status, ms, project, actor)
      VALUES (${minute + i * 100}, ${`r${i}`}, 'GET', '/x', '/x', ${i % 20 === 0 ? 503 : 200}, ${i}, 'app', 'guest')`);
  }
  for (const ms of [7, 9]) {
    await db.run(sql`INSERT INTO ${table} (at, request_id, method, route, url, status, ms, project, actor)
      VALUES (${minute + 2 * 60_000 + ms}, ${`s${ms}`}, 'POST', '/y', '/y', 201, ${ms}, 'other', 'service')`);
  }
  const stats = await api.request('GET', '/v1/admin/request-log/stats', { token: api.adminToken });
  t.equal(stats.status, 200);
  t.same(stats.body, {
    sampleRate: 1,
    minutes: [
      { minute: new Date(minute).toISOString(), requests: 100, rate: 1.667, errors: 5, errorRate: 0.05, p50: 50, p99: 99 },
      { minute: new Date(minute + 120_000).toISOString(), requests: 2, rate: 0.033, errors: 0, errorRate: 0, p50: 7, p99: 9 },
    ],
  });
  const filtered = await api.request('GET', '/v1/admin/request-log/stats?project=other', { token: api.adminToken });
  t.same(filtered.body.minutes.map((m: any) => m.requests), [2], 'the same filters apply');
  const old = await api.request('GET', `/v1/admin/request-log/stats?to=${new Date(minute).toISOString()}`, { token: api.adminToken });
  t.same(old.body.minutes, [], 'a range before the entries');

  // Retention: 3 days keeps the recent entries, drops one 4 days old; 50 rows keeps the newest 50.
  const log = api.app.baas.requestLog;
  await db.run(sql`INSERT INTO ${table} (at, request_id, method, route, url, status, ms, project, actor)
    VALUES (${Date.now() - 4 * 86_400_000}, 'ancient', 'GET', '/z', '/z', 200, 1, null, 'guest')`);
  Object.assign(api.app.baas.config, { requestLogRetentionDays: 3, requestLogRetentionRows: 0 });
  t.equal(await log.prune(), 1, 'the entry older than the retention days');
  Object.assign(api.app.baas.config, { requestLogRetentionDays: 0, requestLogRetentionRows: 50 });
  t.equal(await log.prune(), 52, 'beyond the newest 50 rows');
  const left = await db.all<{ request_id: string }>(sql`SELECT request_id FROM ${table} ORDER BY id`);
  t.same(left.map((r) => r.request_id), [...Array.from({ length: 48 }, (_, i) => `r${i + 53}`), 's7', 's9']);
});

t.test('request log: sampling and the off switch', async (t) => {
  const outcome = { id: 'x', method: 'GET', route: '/x', url: '/x', status: 200, ms: 1, project: null, actor: 'guest' };
  const count = async (api: { app: any }) => {
    await api.app.baas.requestLog.flush();
    return Number((await api.app.baas.instance.get(sql`SELECT COUNT(*) AS n FROM request_log`)).n);
  };
  const half = await startInstance('sqlite', undefined, { requestLogSampleRate: 0.5 });
  t.teardown(() => half.close());
  for (let i = 0; i < 1000; i++) half.app.baas.requestLog.record({ ...outcome, status: i % 10 ? 200 : 500 });
  const kept = await count(half);
  t.ok(kept > 350 && kept < 650, `about half of 1000 recorded (${kept})`);

  const off = await startInstance('sqlite', undefined, { requestLog: false });
  t.teardown(() => off.close());
  await off.request('GET', '/v1/health');
  off.app.baas.requestLog.record(outcome);
  t.equal(await count(off), 0, 'requestLog: false records nothing');
});
