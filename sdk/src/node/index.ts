/** @baas/sdk/node: helpers that need Node's modules (never in a browser bundle). */
export { fileStore } from './file-store.ts';
