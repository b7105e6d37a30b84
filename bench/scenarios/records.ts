/**
 * Records: create (5 fields, a create rule that reads `auth`), get by id, and
 * list 20 with a filter and a sort on indexed fields, as a guest (so rules are
 * evaluated) against a baas instance and against a raw Fastify route doing
 * the same work with one prepared statement. Two pairs: `records` (SQLite:
 * baas vs better-sqlite3) and `records-pg` (baas on PostgreSQL vs a bare
 * `pg` pool on baas's own table).
 */
import { call, expect, measurePair } from '../lib/measure.ts';
import { createBenchDatabase } from '../lib/pg-database.ts';
import { startChild, type ChildHandle } from '../lib/processes.ts';
import type { LoadRequest } from '../lib/wrk.ts';
import type { BenchContext, Row, Scenario } from '../lib/scenario.ts';
import { authorOf, makeItem, prng } from '../lib/data.ts';

type SideName = 'baas' | 'baseline';

export interface Side {
  name: SideName;
  label: string;
  child: ChildHandle;
  /** The records path of the `items` collection. */
  prefix: string;
  ids: string[];
}

export interface Operation {
  name: 'create' | 'get' | 'list' | 'list-count' | 'list-expand';
  target: number;
  request(side: Side): LoadRequest;
  /** One request before measuring: throws when the reply is not what the operation should give. */
  check(side: Side): Promise<void>;
}

const json = { 'content-type': 'application/json' };

// A pool of create bodies, built once (wrk formats each request once, then picks one at random).
const bodies = (() => {
  const random = prng(7);
  return Array.from({ length: 1000 }, (_, i) => JSON.stringify({ ...makeItem(random, 1_000_000 + i), author: authorOf(i) }));
})();

const listQuery = {
  baas: `?filter=${encodeURIComponent("status = 'open'")}&sort=-score&limit=20`,
  baseline: '?status=open&limit=20',
};

/** The list's 20 items: open, by score descending. */
function checkItems(side: Side, body: Record<string, any>): Array<Record<string, any>> {
  const items = body.items as Array<{ status: string; score: number }>;
  expect(side, Array.isArray(items) && items.length === 20, 'list returns 20 items', body);
  expect(side, items.every((r) => r.status === 'open'), 'list applies the filter', items);
  expect(side, items.every((r, i) => i === 0 || items[i - 1].score >= r.score), 'list sorts by -score', items);
  return items;
}

/** The operations, also measured by the logging scenario (scenarios/logging.ts). */
export const operations: Operation[] = [
  {
    name: 'create',
    target: 1.0,
    request: (side) => ({ method: 'POST', path: side.prefix, headers: json, bodies }),
    check: async (side) => {
      const body = await call(side, 'POST', side.prefix, 201, bodies[0]);
      expect(side, typeof body.id === 'string' && body.title === JSON.parse(bodies[0]).title, 'create returns the record', body);
    },
  },
  {
    name: 'get',
    target: 0.8,
    request: (side) => ({ method: 'GET', path: side.ids.map((id) => `${side.prefix}/${id}`) }),
    check: async (side) => {
      const body = await call(side, 'GET', `${side.prefix}/${side.ids[0]}`, 200);
      expect(side, body.id === side.ids[0], 'get returns the record', body);
    },
  },
  {
    name: 'list',
    target: 0.8,
    request: (side) => ({ method: 'GET', path: side.prefix + listQuery[side.name] }),
    check: async (side) => void checkItems(side, await call(side, 'GET', side.prefix + listQuery[side.name], 200)),
  },
  {
    name: 'list-count',
    target: 0.6,
    request: (side) => ({ method: 'GET', path: `${side.prefix}${listQuery[side.name]}&count=true` }),
    check: async (side) => {
      const body = await call(side, 'GET', `${side.prefix}${listQuery[side.name]}&count=true`, 200);
      checkItems(side, body);
      expect(side, Number.isInteger(body.total) && body.total > 20, 'count=true gives the total', body.total);
    },
  },
  {
    name: 'list-expand',
    target: 0.6,
    request: (side) => ({ method: 'GET', path: `${side.prefix}${listQuery[side.name]}&expand=author` }),
    check: async (side) => {
      const items = checkItems(side, await call(side, 'GET', `${side.prefix}${listQuery[side.name]}&expand=author`, 200));
      expect(side, items.every((r) => r.expand?.author?.id === r.author && /^Author /.test(r.expand.author.name)), 'expand=author attaches the author', items[0]);
    },
  },
];

export const recordsScenario: Scenario = {
  name: 'records',
  description: 'create / get / list of a 5-field collection as a guest, vs raw Fastify + better-sqlite3',
  async run(ctx) {
    const selected = operations.filter((op) => ctx.selected('records', op.name));
    if (!selected.length) return [];
    ctx.log('records: starting baas and the baseline (seeding both)...');
    const started = Date.now();
    const children = await Promise.allSettled([
      start('baas', 'baas', 'bench/server-baas.ts'),
      start('baseline', 'baseline', 'bench/server-baseline.ts'),
    ]);
    const sides = children.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    try {
      const failed = children.find((c) => c.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const [baas, baseline] = sides;
      const ddl = (side: Side) => JSON.stringify((side.child.ready as { ddl?: unknown }).ddl);
      if (ddl(baas) !== ddl(baseline)) {
        throw new Error(`the baseline's table differs from the one baas generated:\n  baas:     ${ddl(baas)}\n  baseline: ${ddl(baseline)}`);
      }
      ctx.log(`records: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${baas.ids.length} + ${baseline.ids.length} seeded records)`);
      return await measureAll(ctx, 'records', selected, baas, baseline);
    } finally {
      await Promise.all(sides.map((s) => s.child.stop()));
    }
  },
};

export const recordsPgScenario: Scenario = {
  name: 'records-pg',
  description: 'the records operations with baas on PostgreSQL, vs raw Fastify + a bare pg pool on the same table',
  async run(ctx) {
    const selected = operations.filter((op) => ctx.selected('records-pg', op.name));
    if (!selected.length) return [];
    const database = await createBenchDatabase(ctx.log);
    if (!database) return [];
    const sides: Side[] = [];
    try {
      ctx.log('records-pg: starting baas on PostgreSQL (seeding), then the baseline on its table...');
      const env = { BENCH_DATABASE_URL: database.url };
      const baas = await start('baas', 'baas-pg', 'bench/server-baas.ts', env);
      sides.push(baas);
      const schema = (baas.child.ready as { schema?: string }).schema;
      const baseline = await start('baseline', 'baseline-pg', 'bench/server-baseline-pg.ts', { ...env, BENCH_PG_SCHEMA: schema! });
      sides.push(baseline);
      return await measureAll(ctx, 'records-pg', selected, baas, baseline);
    } finally {
      await Promise.all(sides.map((s) => s.child.stop()));
      await database.drop();
    }
  },
};

/** Checks one reply of each side, then measures each operation as a pair (also used by scenarios/config-pair.ts). */
export async function measureAll(ctx: BenchContext, scenario: string, selected: Operation[], baas: Side, baseline: Side): Promise<Row[]> {
  const rows: Row[] = [];
  for (const op of selected) {
    if (ctx.aborted()) break;
    await op.check(baas);
    await op.check(baseline);
    rows.push(await measurePair(ctx, scenario, op, baas, baseline));
  }
  return rows;
}

/** Starts one side's server child and reads its seeded ids (also used by scenarios/logging.ts). */
export async function start(name: SideName, label: string, script: string, env?: Record<string, string>): Promise<Side> {
  const child = await startChild({ name: label, script, env });
  const { ids, prefix } = child.ready as unknown as { ids: string[]; prefix: string };
  if (!Array.isArray(ids) || ids.length === 0 || typeof prefix !== 'string') throw new Error(`${label}: no seeded ids in its ready message`);
  return { name, label, child, prefix, ids };
}
