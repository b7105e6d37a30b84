/** @baas/server: the HTTP app and what the CLI needs to run an instance. */
export { buildApp, version } from './app.ts';
export { loadConfig, defaultConfig, envNames, ConfigError, type Config } from './config.ts';
export { openServices, type Services } from './services/index.ts';
export { instanceExists, describeStore, dropInstance } from './db/instance.ts';
export { ApiError } from './errors.ts';
export { createBackup } from './backup/backup.ts';
export { restoreInstance, restoreProject } from './backup/restore.ts';
