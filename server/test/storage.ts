/// <reference path="./s3rver.d.ts" />
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import S3rver from 's3rver';
import { engines, tempDir } from '@baas/testkit';
import type { Config } from '../src/config.ts';
import { startInstance, type TestInstance } from './harness.ts';

/** A test instance with its storage driver, and a way to count the blobs that driver holds. */
export interface StorageInstance extends TestInstance {
  driver: 'fs' | 's3';
  /** Every blob file the driver holds right now (temp files included for fs). */
  blobFiles(): string[];
}

type Tap = { test: (name: string, fn: (t: any) => Promise<void>) => unknown };

function walk(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    out = statSync(path).isDirectory() ? out.concat(walk(path)) : out.concat(path);
  }
  return out;
}

/** Starts s3rver in-process on 127.0.0.1 (port 0 unless given), with a temp directory and the bucket `baas`. */
export async function startS3(options: { port?: number } = {}): Promise<{ overrides: Partial<Config>; directory: string; close(): Promise<void> }> {
  const dir = tempDir();
  const server = new S3rver({ port: options.port ?? 0, address: '127.0.0.1', silent: true, directory: dir.path, configureBuckets: [{ name: 'baas' }] });
  const { port } = await server.run();
  return {
    directory: dir.path,
    overrides: {
      storageDriver: 's3',
      s3Endpoint: `http://127.0.0.1:${port}`,
      s3Bucket: 'baas',
      s3Region: 'us-east-1',
      s3AccessKeyId: 'S3RVER',
      s3SecretAccessKey: 'S3RVER',
      s3ForcePathStyle: true,
      s3ChecksumMode: 'when_required',
    },
    async close() {
      await server.close();
      dir.remove();
    },
  };
}

/**
 * Runs `fn` for every engine (SQLite; PostgreSQL when configured) with each
 * blob driver: fs, and s3 against a fresh s3rver.
 */
export function forEachStorage(t: Tap, name: string, fn: (t: any, instance: StorageInstance) => Promise<void>, drivers: Array<'fs' | 's3'> = ['fs', 's3']): void {
  for (const engine of engines()) {
    for (const driver of drivers) {
      t.test(`${name} [${engine.name}, ${driver}]`, async (t: any) => {
        const s3 = driver === 's3' ? await startS3() : undefined;
        const instance = await startInstance(engine.name, engine.databaseUrl, s3?.overrides ?? {});
        t.teardown(async () => {
          await instance.close();
          await s3?.close();
        });
        const blobFiles = () =>
          s3
            ? walk(join(s3.directory, 'baas')).filter((f) => f.endsWith('._S3rver_object'))
            : walk(join(instance.app.baas.config.dataDir, 'storage'));
        await fn(t, { ...instance, driver, blobFiles });
      });
    }
  }
}
