import { Cron } from 'croner';
import type { FastifyBaseLogger } from 'fastify';
import type { Services } from './index.ts';

/**
 * Runs a whole-instance backup on `backupSchedule` (a cron expression). A run
 * that fails is logged as an error and recorded in the history; the schedule
 * goes on. Runs never overlap (croner's `protect`).
 */
export function startBackupSchedule(services: Services, log: FastifyBaseLogger): { stop(): void } {
  const job = new Cron(services.config.backupSchedule!, { protect: true }, async (self: Cron) => {
    // The planned time, to the second: every process of a fleet computes the same slot.
    const slot = new Date(Math.floor((self.currentRun() ?? new Date()).getTime() / 1000) * 1000);
    try {
      const run = await services.backups.runScheduled(slot);
      if (run) log.info({ backup: run.id, file: run.file, size: run.size }, 'scheduled backup done');
    } catch (err) {
      log.error({ err, schedule: services.config.backupSchedule }, `scheduled backup failed: ${(err as Error).message}`);
    }
  });
  void services.backups.markInterrupted().catch((err: unknown) => log.warn({ err }, 'could not tidy the backup history'));
  return { stop: () => job.stop() };
}
