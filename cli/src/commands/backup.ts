import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Services } from '@baas/server';
import { instanceConfig, openInstance, withInstanceDir, type InstanceFlags } from '../instance.ts';
import type { Io } from '../io.ts';
import { formatBytes, printJson } from '../output.ts';

type BackupFlags = InstanceFlags & { project?: string; json?: boolean };
type RestoreFlags = BackupFlags & { as?: string };
type ProgressEvent = Parameters<NonNullable<Parameters<Services['backups']['run']>[0]['onProgress']>>[0];

/** Progress on stderr as the work goes: each step, and object counts of long copies. Silent with --json. */
function progressOn(io: Io, quiet: boolean): (event: ProgressEvent) => void {
  return (event) => {
    if (quiet) return;
    if (event.kind === 'step') io.stderr(`- ${event.message}\n`);
    else io.stderr(`  ${event.project}: ${event.done}/${event.total} objects${event.bytes ? `, ${formatBytes(event.bytes)}` : ''}\n`);
  };
}

/** `baas backup` and `baas restore`, on the instance's stores directly (the server may be running). */
export function registerBackup(program: Command, io: Io): void {
  withInstanceDir(program.command('backup'))
    .description('write a backup archive of the whole instance (or of one project) while it serves')
    .argument('<file>', 'the archive to write (a .tar.gz; replaced atomically)')
    .option('--project <id>', 'only this project')
    .option('--json', 'print the run as JSON')
    .action(async (file: string, flags: BackupFlags) => {
      const services = await openInstance(flags, io);
      try {
        const run = await services.backups.run({ file: resolve(io.cwd, file), project: flags.project, trigger: 'cli', onProgress: progressOn(io, flags.json === true) });
        if (flags.json) return printJson(io, run);
        io.stdout(`wrote ${file} (${formatBytes(run.size ?? 0)}): ${flags.project ? `project '${flags.project}'` : 'the instance store and every project'}\n`);
      } finally {
        await services.close();
      }
    });

  withInstanceDir(program.command('restore'))
    .description('restore a backup: the whole instance into an empty data directory or database, or one project (--project, --as) into an instance')
    .argument('<file>', 'the archive (from `baas backup` or the admin API)')
    .option('--project <id>', 'restore only this project of the archive, into the instance of --dir (which may be serving)')
    .option('--as <id>', 'under this new project id (default: its own, which must be free)')
    .option('--json', 'print what was restored as JSON')
    .action(async (file: string, flags: RestoreFlags) => {
      const { restoreInstance, restoreProject } = await import('@baas/server');
      const archive = resolve(io.cwd, file);
      const onProgress = progressOn(io, flags.json === true);
      if (flags.project || flags.as) {
        const services = await openInstance(flags, io);
        try {
          const restored = await restoreProject(services, { file: archive, project: flags.project, as: flags.as, onProgress });
          if (flags.json) return printJson(io, restored);
          io.stdout(`restored project '${restored.id}'${restored.restoredAs === restored.id ? '' : ` as '${restored.restoredAs}'`} (${restored.objects} objects)\n`);
        } finally {
          await services.close();
        }
        return;
      }
      const { dir, file: configFile, config } = await instanceConfig(flags, io, { logLevel: 'silent' });
      const manifest = await restoreInstance(config, { file: archive, onProgress });
      if (!existsSync(configFile)) {
        // A fresh directory: a baas.json so `baas serve` finds what was restored.
        const databaseUrl = io.env.BAAS_DATABASE_URL ? '${BAAS_DATABASE_URL}' : undefined;
        writeFileSync(configFile, JSON.stringify({ port: config.port, host: config.host, dataDir: 'data', ...(databaseUrl ? { databaseUrl } : {}) }, null, 2) + '\n');
      }
      if (flags.json) return printJson(io, { dir, dataDir: config.dataDir, projects: manifest.projects.map((p) => p.id), createdAt: manifest.createdAt });
      io.stdout(`restored the instance of ${manifest.createdAt} (projects: ${manifest.projects.map((p) => p.id).join(', ') || 'none'}) into ${config.databaseUrl ? 'the database' : config.dataDir}\nnext: ${dir === io.cwd ? '' : `cd ${dir} && `}baas serve\n`);
    });
}
