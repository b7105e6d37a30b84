/**
 * Query: an aggregate (group by status and month, count/sum/avg, a filter,
 * the list rule) and a ranked full-text search (two prefix words, the list
 * rule, 20 results) as a guest on 100,000 records, against the same SQL
 * written by hand and run by a bare Fastify + better-sqlite3 server on the
 * very same database file.
 */
import { call, expect, measurePair, type MeasuredSide } from '../lib/measure.ts';
import { startChild } from '../lib/processes.ts';
import { queries } from '../lib/query-data.ts';
import type { Row, Scenario } from '../lib/scenario.ts';

interface Side extends MeasuredSide {
  path: Record<'aggregate' | 'search', string>;
}

const operations = [
  {
    name: 'aggregate',
    target: 0.8,
    // A full pass over the rows (~0.3 s): two in flight keep SQLite busy without a backlog.
    connections: 2,
    request: (side: Side) => ({ method: 'GET' as const, path: side.path.aggregate }),
  },
  {
    name: 'search',
    target: 0.8,
    connections: 4,
    request: (side: Side) => ({ method: 'GET' as const, path: side.path.search }),
  },
];

/** Both sides must give the same groups, and 20 visible matches of the search. */
async function check(baas: Side, baseline: Side): Promise<void> {
  const [a, b] = await Promise.all([baas, baseline].map((s) => call(s, 'GET', s.path.aggregate, 200)));
  expect(baas, a.items.length > 0 && JSON.stringify(a.items) === JSON.stringify(b.items), 'the aggregate equals the hand-written one', { baas: a.items.slice(0, 2), baseline: b.items.slice(0, 2) });
  for (const side of [baas, baseline]) {
    const { items } = await call(side, 'GET', side.path.search, 200);
    expect(side, items.length === 20 && items.every((r: any) => /^Item 123/.test(r.title) && r.status !== 'draft'), 'the search finds 20 visible matches', items);
  }
}

export const queryScenario: Scenario = {
  name: 'query',
  description: 'aggregate and ranked search on 100,000 records as a guest, vs the same SQL by hand',
  async run(ctx) {
    const selected = operations.filter((op) => ctx.selected('query', op.name));
    if (!selected.length) return [];
    ctx.log('query: starting baas and seeding it...');
    const started = Date.now();
    const baasChild = await startChild({ name: 'baas', script: 'bench/server-query.ts', readyTimeoutMs: 600_000 });
    const children = [baasChild];
    try {
      const { prefix, dataFile, count } = baasChild.ready as unknown as { prefix: string; dataFile: string; count: number };
      const baselineChild = await startChild({ name: 'baseline', script: 'bench/server-query-baseline.ts', env: { BENCH_QUERY_DB: dataFile } });
      children.push(baselineChild);
      ctx.log(`query: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${count} records)`);
      const baas: Side = { name: 'baas', child: baasChild, path: { aggregate: prefix + queries.aggregate.baas, search: prefix + queries.search.baas } };
      const baseline: Side = { name: 'baseline', child: baselineChild, path: { aggregate: '/aggregate', search: '/search' } };
      await check(baas, baseline);
      const rows: Row[] = [];
      for (const op of selected) {
        if (ctx.aborted()) break;
        rows.push(await measurePair(ctx, 'query', op, baas, baseline));
      }
      return rows;
    } finally {
      await Promise.all(children.map((c) => c.stop()));
    }
  },
};
