/**
 * Logging: what one log line per request costs. The records scenario's
 * `get` and `create` (the cheapest requests, so the line weighs the most)
 * against two identical baas children on SQLite, one at `logLevel: info`
 * (the default: one pino JSON line per request, to a stdout the bench sends
 * to /dev/null) and one at `silent`. Issue 16's target: under 5% (ratio
 * >= 0.95). The request log (batched inserts) is on in both, as by default.
 */
import { configPairScenario } from './config-pair.ts';

export const loggingScenario = configPairScenario({
  name: 'logging',
  description: 'records get / create with logLevel info vs the same instance at silent (target: < 5% overhead)',
  operations: ['get', 'create'],
  target: 0.95,
  measured: { label: 'baas-info', env: { BENCH_LOG_LEVEL: 'info' } },
  baseline: { label: 'baas-silent', env: { BENCH_LOG_LEVEL: 'silent' } },
});
