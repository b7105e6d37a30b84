/** @baas/server: the HTTP app and what the CLI needs to run an instance. */
export { buildApp, version } from './app.ts';
export { loadConfig, defaultConfig, ConfigError, type Config } from './config.ts';
export { openServices, type Services } from './services/index.ts';
export { ApiError } from './errors.ts';
