#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx registers its loader, then bin.ts runs.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
