import { useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RecordEvent } from '@baas/sdk';
import { useProject } from '../lib/project.ts';
import { PageHead } from '../shell.tsx';
import { SelectField } from '../ui/field.tsx';
import { Empty, ErrorMessage, Loading } from '../ui/states.tsx';

interface Seen {
  key: number;
  at: Date;
  collection: string;
  event: RecordEvent;
}

const KEEP = 200;
const WINDOW_S = 60;

/**
 * The live stream of a project's record changes (every collection, as the
 * admin sees them), filterable by collection; the project's connection,
 * subscription and channel counts; and a chart of changes per second.
 */
export default function RealtimePage() {
  const { project, client } = useProject();
  const collections = useQuery({ queryKey: ['collections', project], queryFn: () => client.collections.list() });
  const stats = useQuery({ queryKey: ['realtime-stats', project], queryFn: () => client.realtime.stats(), refetchInterval: 3000 });
  const [events, setEvents] = useState<Seen[]>([]);
  const [only, setOnly] = useState('');
  const [paused, setPaused] = useState(false);
  const [errors, setErrors] = useState<unknown[]>([]);
  const perSecond = useRef<Map<number, number>>(new Map());
  const counter = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    if (!collections.data) return;
    const stops = collections.data.map((c) =>
      client.collection(c.name).subscribe(
        '*',
        (event) => {
          const second = Math.floor(Date.now() / 1000);
          perSecond.current.set(second, (perSecond.current.get(second) ?? 0) + 1);
          if (pausedRef.current) return;
          setEvents((all) => [{ key: ++counter.current, at: new Date(), collection: c.name, event }, ...all].slice(0, KEEP));
        },
        { onError: (err) => setErrors((all) => [...all, err]) },
      ),
    );
    return () => stops.forEach((stop) => stop());
  }, [client, collections.data]);

  const shown = only ? events.filter((e) => e.collection === only) : events;
  return (
    <>
      <PageHead title="Realtime" subtitle="Record changes as subscribers get them, live. This page is itself one connection.">
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
          {paused ? 'Resume stream' : 'Pause stream'}
        </button>
        <button type="button" onClick={() => setEvents([])}>
          Clear
        </button>
      </PageHead>
      <div className="grid" style={{ marginBottom: '1rem' }}>
        {(['connections', 'subscriptions', 'channels'] as const).map((k) => (
          <div key={k} className="card">
            <div className="muted small">{k === 'channels' ? 'Channels in use' : `Open ${k}`}</div>
            <div className="stat" aria-label={`${k}: ${stats.data?.[k] ?? 'loading'}`}>{stats.data?.[k] ?? '…'}</div>
          </div>
        ))}
      </div>
      <ErrorMessage error={stats.error} title="Could not load the counts" />
      <section className="panel" aria-labelledby="rate-head">
        <h2 id="rate-head">Changes per second</h2>
        <RateChart perSecond={perSecond.current} />
      </section>
      <section className="panel stack" aria-labelledby="stream-head">
        <div className="panel-head">
          <h2 id="stream-head">Stream</h2>
          <div className="actions">
            <SelectField label="Collection" value={only} options={[['', 'All collections'], ...(collections.data ?? []).map((c): [string, string] => [c.name, c.name])]} onChange={(e) => setOnly(e.target.value)} />
          </div>
        </div>
        {collections.isPending && <Loading />}
        <ErrorMessage error={collections.error} title="Could not load the collections" />
        {errors.map((err, i) => (
          <ErrorMessage key={i} error={err} title="A subscription failed" />
        ))}
        {collections.data?.length === 0 && <Empty title="No collections">Changes appear here once there are collections and writes.</Empty>}
        {collections.data && collections.data.length > 0 && shown.length === 0 && <Empty title="Waiting for changes…">Create, update or delete a record anywhere in this project.</Empty>}
        {shown.length > 0 && (
          <div className="event-list" role="log" aria-label="Changes" aria-live="polite">
            {shown.map((e) => (
              <div key={e.key} className="event">
                <span className="muted">{e.at.toLocaleTimeString()}</span>
                <span className={`badge ${e.event.action === 'delete' || e.event.action === 'leave' ? 'danger' : e.event.action === 'create' ? 'ok' : 'accent'}`}>{e.event.action}</span>
                <span>{e.collection}</span>
                <code title={JSON.stringify(e.event.record)}>{JSON.stringify(e.event.record)}</code>
              </div>
            ))}
          </div>
        )}
      </section>
    </>
  );
}

/** The last minute of changes per second, redrawn every second (uPlot: small and fast). */
function RateChart({ perSecond }: { perSecond: Map<number, number> }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const series = () => {
      const now = Math.floor(Date.now() / 1000);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let s = now - WINDOW_S; s <= now; s++) {
        xs.push(s);
        ys.push(perSecond.get(s) ?? 0);
      }
      for (const s of perSecond.keys()) if (s < now - WINDOW_S) perSecond.delete(s);
      return [xs, ys] as uPlot.AlignedData;
    };
    const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#2f6fed';
    const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#888';
    const axis = { stroke: muted, grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 160,
        legend: { show: false },
        cursor: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(5, max)] } },
        axes: [axis, { ...axis, size: 40 }],
        series: [{}, { label: 'changes/s', stroke: accent, fill: `${accent}33`, width: 2, points: { show: false } }],
      },
      series(),
      el,
    );
    const timer = setInterval(() => plot.setData(series()), 1000);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 160 }));
    resize.observe(el);
    return () => {
      clearInterval(timer);
      resize.disconnect();
      plot.destroy();
    };
  }, [perSecond]);
  return <div ref={box} className="chart" role="img" aria-label="Chart of record changes per second over the last minute" />;
}
