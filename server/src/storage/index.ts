import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { BlobDriver } from './driver.ts';
import { FsDriver } from './fs.ts';
import { S3Driver } from './s3.ts';

export type { BlobDriver, ByteRange, PutOptions, PutResult } from './driver.ts';

/** The blob driver the config selects: files under `<dataDir>/storage`, or an S3 bucket. */
export function openBlobDriver(config: Config): BlobDriver {
  // Twice the idle timeout: no live upload goes that long without writing to its temp file.
  return config.storageDriver === 's3' ? new S3Driver(config) : new FsDriver(join(config.dataDir, 'storage'), 2 * config.bodyIdleTimeoutSeconds * 1000);
}
