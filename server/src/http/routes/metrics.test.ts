/** Covers http/routes/metrics.ts and metrics.ts (what GET /v1/metrics reports, and who may read it). */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachEngine, startInstance } from '../../../test/harness.ts';
import { listenRealtime, RealtimeClient } from '../../../test/realtime.ts';

const METRICS_TOKEN = 'scraper-0123456789abcdef-secret';

/** The value of one sample of the exposition (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

t.test('GET /v1/metrics is refused without an admin token or the metrics token', async (t) => {
  const api = await startInstance('sqlite', undefined, { metricsToken: METRICS_TOKEN });
  t.teardown(() => api.close());
  const none = await api.request('GET', '/v1/metrics');
  t.equal(none.status, 401);
  t.equal(none.body.error.code, 'unauthorized', 'in the error envelope');
  t.equal((await api.request('GET', '/v1/metrics', { token: api.secret })).status, 403, 'a project secret key is not enough');
  t.equal((await api.request('GET', '/v1/metrics', { token: `${METRICS_TOKEN}x` })).status, 401, 'a wrong metrics token');
  const scraper = await api.request('GET', '/v1/metrics', { token: METRICS_TOKEN });
  t.equal(scraper.status, 200);
  t.match(scraper.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.equal((await api.request('GET', '/v1/admin/projects', { token: METRICS_TOKEN })).status, 401, 'the metrics token opens nothing else');
  t.equal((await api.request('GET', '/v1/metrics', { token: api.adminToken })).status, 200, 'an admin may');

  const without = await startInstance('sqlite');
  t.teardown(() => without.close());
  t.equal((await without.request('GET', '/v1/metrics', { token: METRICS_TOKEN })).status, 401, 'no metrics token configured: none is accepted');
});

forEachEngine(t, 'the metrics: HTTP, database, storage, realtime, change log, backups, process', async (t, api) => {
  const sk = api.secret;
  await api.request('POST', api.p('/collections'), { token: sk, body: { name: 'notes', fields: [{ name: 'title', type: 'text' }], rules: { list: '', view: '' } } });
  for (let i = 0; i < 3; i++) await api.request('GET', api.p('/collections/notes/records'), { token: sk });
  await api.request('GET', api.p('/collections/nope/records'), { token: sk });
  await api.request('GET', '/v1/projects/not-a-project/collections/notes/records', { token: sk });

  await api.request('POST', api.p('/storage/buckets'), { token: sk, body: { name: 'files' } });
  await api.request('PUT', api.p('/storage/buckets/files/objects/a.txt'), { token: sk, body: 'hello world', headers: { 'content-type': 'text/plain' } });
  await api.request('GET', api.p('/storage/buckets/files/objects/a.txt'), { token: sk });
  await api.request('GET', api.p('/storage/buckets/files/objects/a.txt'), { token: sk, headers: { range: 'bytes=0-4' } });

  const url = await listenRealtime(api);
  const client = await RealtimeClient.connect(url, { authorization: `Bearer ${sk}` });
  t.teardown(() => client.close());
  t.equal((await client.call({ op: 'subscribe', id: 's1', collection: 'notes' })).op, 'ack');
  await api.request('POST', api.p('/collections/notes/records'), { token: sk, body: { title: 'one' } });
  await client.next((f) => f.op === 'change');

  await api.app.baas.backups.run({ trigger: 'api' });
  // A scheduled run that cannot write its archive: counted as a failure.
  const blocker = join(api.app.baas.config.dataDir, 'not-a-directory');
  writeFileSync(blocker, '');
  const backupDir = api.app.baas.config.backupDir;
  api.app.baas.config.backupDir = join(blocker, 'backups');
  await t.rejects(api.app.baas.backups.runScheduled(new Date()));
  api.app.baas.config.backupDir = backupDir;

  const res = await api.request('GET', '/v1/metrics', { token: api.adminToken });
  t.equal(res.status, 200);
  const text: string = res.body;
  const records = { method: 'GET', route: '/v1/projects/:project/collections/:name/records', project: 'app' };
  t.equal(sample(text, 'baas_http_requests_total', { ...records, status_class: '2xx' }), 3, 'requests by route pattern, status class and project');
  t.equal(sample(text, 'baas_http_requests_total', { ...records, status_class: '4xx' }), 1);
  t.equal(sample(text, 'baas_http_request_duration_seconds_count', { ...records, status_class: '2xx' }), 3, 'a latency histogram');
  t.ok(sample(text, 'baas_http_request_duration_seconds_bucket', { ...records, status_class: '2xx', le: '+Inf' }) === 3);
  t.notMatch(text, /not-a-project/, 'an unknown project name is no label (bounded label sets)');
  t.ok(sample(text, 'baas_http_requests_total', { route: '/v1/projects/:project/collections/:name/records', project: '', status_class: '4xx' }), 'it is counted without one');
  // The count is read from the histogram at each scrape: a second scrape counts nothing twice.
  const again: string = (await api.request('GET', '/v1/metrics', { token: api.adminToken })).body;
  t.equal(sample(again, 'baas_http_requests_total', { ...records, status_class: '2xx' }), 3, 'a second scrape gives the same count');
  t.equal(sample(again, 'baas_http_requests_total', { method: 'GET', route: '/v1/metrics', status_class: '2xx', project: '' }), 1, 'the first scrape is counted once');

  const engine = api.engine === 'postgres' ? 'postgres' : 'sqlite';
  t.ok(sample(text, 'baas_db_transaction_duration_seconds_count', { engine, outcome: 'commit' })! > 0, 'transaction timings');
  if (engine === 'sqlite') t.ok(sample(text, 'baas_db_commit_group_size_count')! > 0, 'group-commit sizes');

  t.equal(sample(text, 'baas_storage_bytes_total', { direction: 'in', project: 'app' }), 11, 'bytes stored');
  t.equal(sample(text, 'baas_storage_bytes_total', { direction: 'out', project: 'app' }), 11 + 5, 'bytes served (a whole read and a range)');

  t.equal(sample(text, 'baas_realtime_connections', { project: 'app' }), 1);
  t.equal(sample(text, 'baas_realtime_subscriptions', { project: 'app' }), 1);
  t.equal(sample(text, 'baas_realtime_deliveries_total', { project: 'app' }), 1);
  t.match(text, /# TYPE baas_realtime_slow_consumers_closed_total counter/);
  t.equal(sample(text, 'baas_change_log_rows', { project: 'app' }), 1, 'the change log holds the one write');
  t.equal(sample(text, 'baas_change_log_lag', { project: 'app' }), 0, 'delivered: no lag');

  t.equal(sample(text, 'baas_backup_runs_total', { trigger: 'api' }), 1);
  t.equal(sample(text, 'baas_backup_failures_total', { trigger: 'schedule' }), 1, 'the failed scheduled backup is counted');
  const last = sample(text, 'baas_backup_last_success_timestamp_seconds')!;
  t.ok(Math.abs(last - Date.now() / 1000) < 600, 'the last success is recent');

  t.ok(sample(text, 'process_cpu_user_seconds_total')! >= 0, 'default process metrics');
  t.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0);
});
