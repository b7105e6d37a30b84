/**
 * Durability: what `sqliteSynchronous: FULL` costs. The records scenario's
 * `create` (a write: each commit group pays one WAL fsync under
 * FULL, none under NORMAL) against two identical baas children on SQLite,
 * one at FULL and one at NORMAL (the default). Reads do not sync, so they
 * are left out. No target: the ratio is the price of surviving a power loss
 * on this disk (docs/deployment.md#durability), reported so it is known.
 */
import { measurePair } from '../lib/measure.ts';
import type { Row, Scenario } from '../lib/scenario.ts';
import { operations, start, type Side } from './records.ts';

const measured = operations.filter((op) => op.name === 'create').map((op) => ({ ...op, target: 0 }));

export const durabilityScenario: Scenario = {
  name: 'durability',
  description: 'records create with sqliteSynchronous FULL vs the same instance at NORMAL (reported, no target)',
  async run(ctx) {
    const selected = measured.filter((op) => ctx.selected('durability', op.name));
    if (!selected.length) return [];
    ctx.log('durability: starting baas at FULL and at NORMAL (seeding both)...');
    const sides: Side[] = [];
    try {
      sides.push(await start('baas', 'baas-full', 'bench/server-baas.ts', { BENCH_SQLITE_SYNCHRONOUS: 'FULL' }));
      sides.push(await start('baseline', 'baas-normal', 'bench/server-baas.ts', { BENCH_SQLITE_SYNCHRONOUS: 'NORMAL' }));
      const [full, normal] = sides;
      const rows: Row[] = [];
      for (const op of selected) {
        if (ctx.aborted()) break;
        await op.check(full);
        await op.check(normal);
        rows.push(await measurePair(ctx, 'durability', op, full, normal));
      }
      return rows;
    } finally {
      await Promise.all(sides.map((s) => s.child.stop()));
    }
  },
};
