import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { RequestLogMinute, RequestLogQuery } from '@baas/sdk';
import { useAdmin } from '../lib/admin.tsx';
import { PageHead } from '../shell.tsx';
import { SelectField, TextField } from '../ui/field.tsx';
import { Pager, useCursors } from '../ui/pager.tsx';
import { Table } from '../ui/table.tsx';
import { TimeChart } from '../ui/time-chart.tsx';
import { Empty, ErrorMessage, Loading } from '../ui/states.tsx';

const ranges: Array<[string, string]> = [['15', 'Last 15 minutes'], ['60', 'Last hour'], ['360', 'Last 6 hours'], ['1440', 'Last 24 hours']];
const actors: Array<[string, string]> = [['', 'Anyone'], ['admin', 'Admins'], ['service', 'Secret keys'], ['user', 'Users'], ['guest', 'Guests']];
const filterNames = ['project', 'status', 'route', 'actor'] as const;

/** Every minute of the range, with the log's aggregates where it had requests (rates 0, latencies a gap where not). */
function perMinute(minutes: RequestLogMinute[], fromMs: number, toMs: number) {
  const byMinute = new Map(minutes.map((m) => [Math.floor(Date.parse(m.minute) / 60_000), m]));
  const xs: number[] = [];
  const rate: number[] = [];
  const errorRate: number[] = [];
  const p50: Array<number | null> = [];
  const p99: Array<number | null> = [];
  for (let m = Math.floor(fromMs / 60_000); m <= Math.floor(toMs / 60_000); m++) {
    const row = byMinute.get(m);
    xs.push(m * 60);
    rate.push(row?.rate ?? 0);
    errorRate.push(row ? row.errorRate * 100 : 0);
    p50.push(row?.p50 ?? null);
    p99.push(row?.p99 ?? null);
  }
  return { xs, rate, errorRate, p50, p99 };
}

/**
 * Logs and metrics from the instance's request log: request rate, 5xx error
 * rate and p50/p99 latency per minute as charts, and the requests
 * themselves, filtered by project, status (or class), route and actor. The
 * filters live in the address, so a view can be shared; the charts refresh
 * every 10 seconds.
 */
export default function LogsPage() {
  const admin = useAdmin().client().admin;
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? '60';
  const query: RequestLogQuery = Object.fromEntries(filterNames.map((n) => [n, params.get(n) || undefined]).filter(([, v]) => v));
  const [draft, setDraft] = useState({ status: query.status ?? '', route: query.route ?? '' });
  const cursors = useCursors();
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) v ? next.set(k, v) : next.delete(k);
    setParams(next, { replace: true });
    cursors.reset();
  };

  const projects = useQuery({ queryKey: ['projects'], queryFn: () => admin.projects.list() });
  const stats = useQuery({
    queryKey: ['request-stats', query, range],
    queryFn: async () => {
      const to = Date.now();
      const from = to - Number(range) * 60_000;
      return { ...(await admin.requestLog.stats({ ...query, from: new Date(from).toISOString() })), from, to };
    },
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });
  const log = useQuery({
    queryKey: ['request-log', query, cursors.cursor],
    queryFn: () => admin.requestLog.list({ ...query, limit: 50, cursor: cursors.cursor }),
    refetchInterval: cursors.cursor ? false : 10_000,
    placeholderData: keepPreviousData,
  });
  const chart = useMemo(() => (stats.data ? perMinute(stats.data.minutes, stats.data.from, stats.data.to) : undefined), [stats.data]);
  const totals = stats.data?.minutes.reduce((s, m) => ({ requests: s.requests + m.requests, errors: s.errors + m.errors }), { requests: 0, errors: 0 });
  const worstP99 = stats.data?.minutes.reduce((w, m) => Math.max(w, m.p99), 0);

  return (
    <>
      <PageHead title="Logs and metrics" subtitle="The instance's request log: how much, how fast and how often it fails, per project; and each request." />
      <section className="panel stack" aria-labelledby="filters-head">
        <h2 id="filters-head" className="sr-only">Filters</h2>
        <form className="inline-form" onSubmit={(e) => { e.preventDefault(); set({ status: draft.status.trim(), route: draft.route.trim() }); }}>
          <SelectField label="Project" value={query.project ?? ''} onChange={(e) => set({ project: e.target.value })}
            options={[['', 'All projects'], ...(projects.data ?? []).map((p): [string, string] => [p.id, p.name === p.id ? p.id : `${p.name} (${p.id})`])]} />
          <SelectField label="Time range" value={range} onChange={(e) => set({ range: e.target.value })} options={ranges} />
          <SelectField label="Actor" value={query.actor ?? ''} onChange={(e) => set({ actor: e.target.value })} options={actors} />
          <TextField label="Status" placeholder="404 or 5xx" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })} />
          <TextField label="Route" placeholder="/v1/projects/:project/collections/:name/records" value={draft.route} onChange={(e) => setDraft({ ...draft, route: e.target.value })} />
          <button type="submit" className="primary">Apply filters</button>
        </form>
      </section>

      <section className="panel stack" aria-labelledby="metrics-head">
        <div className="panel-head">
          <h2 id="metrics-head">Metrics</h2>
          {totals && (
            <span className="muted small" role="status" aria-label="Totals">
              {totals.requests} requests, {totals.errors} with a 5xx{worstP99 ? `, worst p99 ${Math.round(worstP99)} ms` : ''} in the range
            </span>
          )}
        </div>
        {stats.isPending && <Loading />}
        <ErrorMessage error={stats.error} title="Could not load the metrics" />
        {stats.data && stats.data.sampleRate < 1 && (
          <p className="muted small" style={{ margin: 0 }}>The log keeps {Math.round(stats.data.sampleRate * 100)}% of requests (<code>requestLogSampleRate</code>): counts and rates are of that sample.</p>
        )}
        {chart && (
          <div className="chart-grid">
            <figure>
              <figcaption>Requests per second</figcaption>
              <TimeChart label="Chart of requests per second, per minute" xs={chart.xs} series={[{ label: 'requests/s', values: chart.rate, color: '--accent' }]} />
            </figure>
            <figure>
              <figcaption>Error rate (5xx, %)</figcaption>
              <TimeChart label="Chart of the 5xx error rate in percent, per minute" xs={chart.xs} unit="%" series={[{ label: '5xx %', values: chart.errorRate, color: '--danger' }]} />
            </figure>
            <figure>
              <figcaption>Latency (ms): <span className="legend p50">p50</span> <span className="legend p99">p99</span></figcaption>
              <TimeChart label="Chart of p50 and p99 latency in milliseconds, per minute" xs={chart.xs} series={[{ label: 'p50', values: chart.p50, color: '--accent' }, { label: 'p99', values: chart.p99, color: '#e8871e' }]} />
            </figure>
          </div>
        )}
      </section>

      <section className="panel stack" aria-labelledby="log-head">
        <h2 id="log-head">Requests</h2>
        {log.isPending && <Loading />}
        <ErrorMessage error={log.error} title="Could not load the request log" />
        {log.data?.items.length === 0 && <Empty title="No requests match">Change the filters, or wait for traffic.</Empty>}
        {log.data && log.data.items.length > 0 && (
          <>
            <Table label="Request log" columns={['Time', 'Method', 'Path', 'Status', 'ms', 'Project', 'Actor', 'Request id']}>
              {log.data.items.map((e) => (
                <tr key={e.id}>
                  <td>{new Date(e.at).toLocaleTimeString()}</td>
                  <td>{e.method}</td>
                  <td className="cell" title={e.route}><code>{e.url}</code></td>
                  <td><span className={`badge ${e.status >= 500 ? 'danger' : e.status >= 400 ? '' : 'ok'}`}>{e.status}</span></td>
                  <td>{e.ms}</td>
                  <td>{e.project ?? '—'}</td>
                  <td>{e.actor}</td>
                  <td><code className="small">{e.requestId}</code></td>
                </tr>
              ))}
            </Table>
            <Pager cursors={cursors} nextCursor={log.data.nextCursor} />
          </>
        )}
      </section>
    </>
  );
}
