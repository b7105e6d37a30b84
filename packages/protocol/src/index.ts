export * from './errors.ts';
export * from './collections.ts';
export * from './auth.ts';
