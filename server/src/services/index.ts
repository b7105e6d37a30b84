import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { storesFor, type StoreFactory } from '../db/instance.ts';
import { ProjectRegistry } from '../db/registry.ts';
import { AdminsService } from './admins.ts';
import { ProjectsService } from './projects.ts';

/** The instance-wide services: one set per running instance. */
export interface Services {
  config: Config;
  instance: Database;
  registry: ProjectRegistry;
  admins: AdminsService;
  projects: ProjectsService;
  close(): Promise<void>;
}

/** Opens (and migrates) the instance store and wires the services. */
export async function openServices(config: Config): Promise<Services> {
  const stores: StoreFactory = storesFor(config);
  const instance = await stores.openInstance();
  const registry = new ProjectRegistry(instance, stores);
  return {
    config,
    instance,
    registry,
    admins: new AdminsService(instance, config.adminSessionTtl),
    projects: new ProjectsService(registry),
    async close() {
      await registry.closeAll();
      await instance.close();
      await stores.close();
    },
  };
}
