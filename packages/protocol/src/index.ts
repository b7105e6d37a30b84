export * from './errors.ts';
export * from './collections.ts';
