import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { storesFor, type StoreFactory } from '../db/instance.ts';
import { ProjectRegistry } from '../db/registry.ts';
import { AdminsService } from './admins.ts';
import { BackupsService } from './backups.ts';
import { ProjectsService } from './projects.ts';
import { createMailer, type Mailer } from '../mail/index.ts';
import { openBlobDriver, type BlobDriver } from '../storage/index.ts';
import { Metrics } from '../metrics.ts';
import { RequestLog } from './request-log.ts';
import { changeLogSize } from '../db/change-log.ts';
import type { RealtimeService } from '../realtime/index.ts';
import { openRealtime } from './realtime.ts';
import { SessionCache, watchSessions } from './auth/session-cache.ts';

/** The instance-wide services: one set per running instance. */
export interface Services {
  config: Config;
  instance: Database;
  /** Where the stores live (SQLite files or PostgreSQL schemas): backups read and write them directly. */
  stores: StoreFactory;
  registry: ProjectRegistry;
  admins: AdminsService;
  /** Access tokens checked against their session, dropped by identity events (services/auth/session-cache.ts). */
  sessions: SessionCache;
  projects: ProjectsService;
  /** Auth emails: SMTP, or the per-project outbox when no SMTP is configured. */
  mailer: Mailer;
  /** Where file objects' bytes live: fs under dataDir/storage, or S3. */
  blobs: BlobDriver;
  /** Backup runs, their archives and history, and project restores. */
  backups: BackupsService;
  /** The Prometheus metrics of the instance (`GET /v1/metrics`). */
  metrics: Metrics;
  /** Finished requests, sampled, in the instance store (the dashboard's Logs page). */
  requestLog: RequestLog;
  /** Realtime connections, hubs and change-log retention (the route hands it sockets). */
  realtime: RealtimeService;
  close(): Promise<void>;
}

/** Opens (and migrates) the instance store and wires the services. */
export async function openServices(config: Config): Promise<Services> {
  const metrics = new Metrics();
  const stores: StoreFactory = storesFor(config, metrics.db);
  const instance = await stores.openInstance();
  const registry = new ProjectRegistry(instance, stores, config.stateCheckMs);
  const mailer = createMailer(config);
  const blobs = openBlobDriver(config);
  const sessions = new SessionCache(config.stateCheckMs);
  const unwatchSessions = watchSessions(sessions, stores, registry);
  let closing: Promise<void> | undefined;
  const services: Services = {
    config,
    instance,
    stores,
    registry,
    admins: new AdminsService(instance, config.adminSessionTtl),
    sessions,
    projects: new ProjectsService(registry),
    mailer,
    blobs,
    metrics,
    requestLog: new RequestLog(instance, config),
    /** Closes everything once; later calls get the same promise. */
    close() {
      closing ??= (async () => {
        // First: its connections say goodbye, and its relay removes its channel members from the instance store.
        await services.realtime.close();
        unwatchSessions();
        blobs.close?.();
        await services.requestLog.close();
        // Mail queued after a reply still needs the project stores.
        await mailer.close();
        await registry.closeAll();
        await instance.close();
        await stores.close();
      })();
      return closing;
    },
    backups: undefined as never,
    realtime: undefined as never,
  };
  services.backups = new BackupsService(services);
  services.realtime = openRealtime(services);
  metrics.sources.lastBackup = () => services.backups.lastSuccess();
  metrics.sources.changeLog = async () => {
    const feeds = metrics.sources.realtimeFeeds?.();
    const rows = [];
    for (const project of await registry.opened()) {
      const { rows: count, latest } = await changeLogSize(project.db);
      const position = feeds?.get(project.id);
      rows.push({ project: project.id, rows: count, lag: position === undefined ? undefined : Math.max(0, latest - position) });
    }
    return rows;
  };
  return services;
}
