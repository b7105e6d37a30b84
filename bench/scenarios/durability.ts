/**
 * Durability: what `sqliteSynchronous: FULL` costs. The records scenario's
 * `create` (a write: each commit group pays one WAL fsync under
 * FULL, none under NORMAL) against two identical baas children on SQLite,
 * one at FULL and one at NORMAL (the default). Reads do not sync, so they
 * are left out. No target: the ratio is the price of surviving a power loss
 * on this disk (docs/deployment.md#durability), reported so it is known.
 */
import { configPairScenario } from './config-pair.ts';

export const durabilityScenario = configPairScenario({
  name: 'durability',
  description: 'records create with sqliteSynchronous FULL vs the same instance at NORMAL (reported, no target)',
  operations: ['create'],
  target: 0,
  measured: { label: 'baas-full', env: { BENCH_SQLITE_SYNCHRONOUS: 'FULL' } },
  baseline: { label: 'baas-normal', env: { BENCH_SQLITE_SYNCHRONOUS: 'NORMAL' } },
});
