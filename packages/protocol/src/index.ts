export * from './errors.ts';
export * from './collections.ts';
export * from './auth.ts';
export * from './realtime.ts';
export * from './storage.ts';
export * from './dashboard.ts';
export * from './backups.ts';
export * from './text.ts';
