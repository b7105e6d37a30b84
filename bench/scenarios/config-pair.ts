/**
 * A scenario that prices one setting: the records scenario's operations
 * against two identical baas children on SQLite that differ only in `env`
 * (the first is measured, the second is its baseline).
 */
import type { Scenario } from '../lib/scenario.ts';
import { measureAll, operations, start, type Side } from './records.ts';

interface ConfigSide {
  label: string;
  env: Record<string, string>;
}

export function configPairScenario(options: { name: string; description: string; operations: string[]; target: number; measured: ConfigSide; baseline: ConfigSide }): Scenario {
  const { name } = options;
  const measured = operations.filter((op) => options.operations.includes(op.name)).map((op) => ({ ...op, target: options.target }));
  return {
    name,
    description: options.description,
    async run(ctx) {
      const selected = measured.filter((op) => ctx.selected(name, op.name));
      if (!selected.length) return [];
      ctx.log(`${name}: starting ${options.measured.label} and ${options.baseline.label} (seeding both)...`);
      const sides: Side[] = [];
      try {
        // One after the other: seeding both at once on the one server core would only be slower.
        sides.push(await start('baas', options.measured.label, 'bench/server-baas.ts', options.measured.env));
        sides.push(await start('baseline', options.baseline.label, 'bench/server-baas.ts', options.baseline.env));
        return await measureAll(ctx, name, selected, sides[0], sides[1]);
      } finally {
        await Promise.all(sides.map((s) => s.child.stop()));
      }
    },
  };
}
