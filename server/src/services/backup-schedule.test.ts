import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { startInstance } from '../../test/harness.ts';
import { startBackupSchedule } from './backup-schedule.ts';

// The schedule for real, every second: runs land in the history, old archives
// are pruned to backupKeep, and a failing run is logged as an error and recorded.
t.test('scheduled backups: kept to backupKeep; a failure is logged as an error and recorded', async (t) => {
  const api = await startInstance('sqlite');
  t.teardown(() => api.close());
  const services = api.app.baas;
  Object.assign(services.config, { backupSchedule: '* * * * * *', backupKeep: 2 });
  const logged: Array<{ level: string; message: string }> = [];
  const log = {
    info: (_o: unknown, message: string) => logged.push({ level: 'info', message }),
    warn: (_o: unknown, message: string) => logged.push({ level: 'warn', message }),
    error: (_o: unknown, message: string) => logged.push({ level: 'error', message }),
  } as unknown as FastifyBaseLogger;
  const schedule = startBackupSchedule(services, log);
  t.teardown(() => schedule.stop());
  t.ok(new Date(services.backups.schedule()!.next!).getTime() - Date.now() <= 1000, 'the next run is within a second');

  const waitFor = async (done: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await done()); i++) await new Promise((r) => setTimeout(r, 100));
  };
  await waitFor(async () => (await services.backups.list()).filter((r) => r.status === 'ok').length >= 3);
  const runs = (await services.backups.list()).filter((r) => r.trigger === 'schedule' && r.status === 'ok');
  t.ok(runs.length >= 3, `${runs.length} scheduled runs`);
  t.same(runs.map((r) => r.available), [true, true, ...runs.slice(2).map(() => false)], 'only the newest two archives are kept');
  t.ok(runs.every((r) => r.id.startsWith('schedule-')), 'each run is claimed by its slot');
  t.ok(logged.some((l) => l.level === 'info' && l.message === 'scheduled backup done'));

  // the backup directory becomes unusable: the run fails, is logged and recorded, the schedule goes on
  const blocker = join(services.config.dataDir, 'not-a-directory');
  writeFileSync(blocker, '');
  services.config.backupDir = join(blocker, 'backups');
  await waitFor(async () => logged.some((l) => l.level === 'error'));
  t.match(logged.find((l) => l.level === 'error')?.message, /^scheduled backup failed: /);
  const failed = (await services.backups.list()).find((r) => r.status === 'failed');
  t.match(failed, { trigger: 'schedule', error: /ENOTDIR|not a directory/, available: false });
});
