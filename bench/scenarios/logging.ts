/**
 * Logging: what one log line per request costs. The records scenario's
 * `get` and `create` (the cheapest requests, so the line weighs the most)
 * against two identical baas children on SQLite, one at `logLevel: info`
 * (the default: one pino JSON line per request, to a stdout the bench sends
 * to /dev/null) and one at `silent`. Issue 16's target: under 5% (ratio
 * >= 0.95). The request log (batched inserts) is on in both, as by default.
 */
import { measurePair } from '../lib/measure.ts';
import type { Row, Scenario } from '../lib/scenario.ts';
import { operations, start, type Side } from './records.ts';

const measured = operations.filter((op) => op.name === 'get' || op.name === 'create').map((op) => ({ ...op, target: 0.95 }));

export const loggingScenario: Scenario = {
  name: 'logging',
  description: 'records get / create with logLevel info vs the same instance at silent (target: < 5% overhead)',
  async run(ctx) {
    const selected = measured.filter((op) => ctx.selected('logging', op.name));
    if (!selected.length) return [];
    ctx.log('logging: starting baas at info and at silent (seeding both)...');
    const sides: Side[] = [];
    try {
      // One after the other: seeding both at once on the one server core would only be slower.
      sides.push(await start('baas', 'baas-info', 'bench/server-baas.ts', { BENCH_LOG_LEVEL: 'info' }));
      sides.push(await start('baseline', 'baas-silent', 'bench/server-baas.ts', { BENCH_LOG_LEVEL: 'silent' }));
      const [info, silent] = sides;
      const rows: Row[] = [];
      for (const op of selected) {
        if (ctx.aborted()) break;
        await op.check(info);
        await op.check(silent);
        rows.push(await measurePair(ctx, 'logging', op, info, silent));
      }
      return rows;
    } finally {
      await Promise.all(sides.map((s) => s.child.stop()));
    }
  },
};
