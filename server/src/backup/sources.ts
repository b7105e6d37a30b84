import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { StoreFactory } from '../db/instance.ts';
import type { ProjectRegistry } from '../db/registry.ts';
import type { BlobDriver } from '../storage/index.ts';

/**
 * What a backup reads and a restore writes: the stores (directly, under the
 * services) and the blobs. The instance's `Services` fits it; backup/ names
 * only these so it sits below services/ (architecture.json), which runs it.
 */
export interface BackupSources {
  config: Config;
  instance: Database;
  stores: StoreFactory;
  registry: ProjectRegistry;
  blobs: BlobDriver;
}
