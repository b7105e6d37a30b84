import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CollectionDefinition } from '@baas/sdk';
import { useProject } from '../../lib/project.ts';
import { SelectField } from '../../ui/field.tsx';
import { ErrorMessage, Loading } from '../../ui/states.tsx';
import { cellText } from './format.ts';

/** What the panel may group by and measure, from the collection's fields (as the aggregate endpoint allows). */
function choices(collection: CollectionDefinition) {
  const fields = collection.fields;
  const dates = [...fields.filter((f) => f.type === 'date').map((f) => f.name), 'created_at', 'updated_at'];
  const groups: Array<[string, string]> = [
    ...fields.filter((f) => f.type !== 'json' && !f.multiple).map((f) => [f.name, f.name] as [string, string]),
    ...dates.flatMap((d) => (['day', 'week', 'month'] as const).map((u) => [`${u}(${d})`, `${d} by ${u}`] as [string, string])),
  ];
  const numbers = fields.filter((f) => f.type === 'number' || f.type === 'integer').map((f) => f.name);
  const metrics: Array<[string, string]> = [
    ['count', 'count of records'],
    ...numbers.flatMap((n) => [[`sum(${n})`, `sum of ${n}`], [`avg(${n})`, `average of ${n}`]] as Array<[string, string]>),
  ];
  return { groups, metrics };
}

const resultName = (s: string) => s.replace(/^(\w+)\((\w+)\)$/, '$1_$2');

/**
 * "Group by": one aggregate of the records the browser shows (its filter and
 * search), as a bar chart and a table, live: it refetches when records change.
 */
export function GroupByPanel({ collection, filter, search }: { collection: CollectionDefinition; filter: string; search: string }) {
  const { project, client } = useProject();
  const { groups, metrics } = useMemo(() => choices(collection), [collection]);
  const [group, setGroup] = useState(groups[0]?.[0] ?? 'created_at');
  const [metric, setMetric] = useState('count');
  const [version, setVersion] = useState(0);
  const records = client.collection(collection.name);
  // Changes bump the version, which refetches: the chart follows writes.
  useEffect(() => records.subscribe(filter ? { filter } : '*', () => setVersion((v) => v + 1)), [project, collection.name, filter]);
  const result = useQuery({
    queryKey: ['aggregate', project, collection.name, { group, metric, filter, search, version }],
    queryFn: () =>
      records.aggregate({
        groupBy: [group],
        select: [metric],
        filter: filter || undefined,
        search: search || undefined,
        // Dates in time order; other keys by the metric, largest first.
        sort: /^(day|week|month)\(/.test(group) ? [group] : [`-${metric}`],
        limit: 50,
      }),
    placeholderData: (previous) => previous,
  });
  const items = (result.data?.items ?? []) as Array<Record<string, unknown>>;
  const key = resultName(group);
  const value = resultName(metric);
  const label = (item: Record<string, unknown>) => {
    const k = item[key];
    if (k === null) return '(none)';
    return typeof k === 'string' && /^(day|week|month)\(/.test(group) ? k.slice(0, /^month/.test(group) ? 7 : 10) : cellText(k);
  };

  return (
    <section className="card" aria-label="Group by">
      <div className="toolbar">
        <SelectField label="Group by" value={group} options={groups} onChange={(e) => setGroup(e.target.value)} />
        <SelectField label="Measure" value={metric} options={metrics} onChange={(e) => setMetric(e.target.value)} />
      </div>
      <ErrorMessage error={result.error} title="Could not aggregate the records" />
      {result.isPending && <Loading label="Aggregating…" />}
      {result.data && items.length === 0 && <p className="muted">No records to group.</p>}
      {items.length > 0 && (
        <>
          <BarChart labels={items.map(label)} values={items.map((i) => Number(i[value] ?? 0))} title={`${metrics.find(([m]) => m === metric)?.[1]} by ${group}`} />
          <div className="table-wrap">
            <table aria-label={`Records grouped by ${group}`}>
              <thead>
                <tr>
                  <th scope="col">{group}</th>
                  <th scope="col">{metric}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={JSON.stringify(item[key])}>
                    <td>{label(item)}</td>
                    <td>{cellText(item[value])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** Bars over categories (uPlot with its bars path; the x axis shows the labels). */
function BarChart({ labels, values, title }: { labels: string[]; values: number[]; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const style = getComputedStyle(document.documentElement);
    const accent = style.getPropertyValue('--accent').trim() || '#2f6fed';
    const muted = style.getPropertyValue('--muted').trim() || '#888';
    const axis = { stroke: muted, grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
    const xs = labels.map((_, i) => i);
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 200,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max)] } },
        axes: [
          { ...axis, splits: () => xs, values: (_u, splits) => splits.map((s) => labels[s] ?? '') },
          { ...axis, size: 50 },
        ],
        series: [{}, { label: title, stroke: accent, fill: `${accent}99`, width: 1, paths: uPlot.paths.bars!({ size: [0.7, 60] }), points: { show: false } }],
      },
      [xs, values],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [labels.join('\u0000'), values.join(','), title]);
  return <div ref={box} className="chart" role="img" aria-label={`Bar chart: ${title}`} />;
}
