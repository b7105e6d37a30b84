import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, BLOB_CHUNK, meterFrom, type BlobDriver, type ByteRange, type PutOptions, type PutResult } from './driver.ts';

/**
 * Blobs as files under `<dataDir>/storage/<key>`. A write goes to a temp file
 * in `<root>/.tmp` (same filesystem) and is renamed into place when complete,
 * so readers never see half a blob and a failed write leaves only a temp file
 * that is removed at once.
 */
export class FsDriver implements BlobDriver {
  readonly name = 'fs' as const;
  private sweeper?: NodeJS.Timeout;

  /**
   * `staleAfterMs`: temp files not written to for this long are removed, at
   * start and then as often. An upload in progress writes more often than
   * that (a body idle for bodyIdleTimeoutSeconds is dropped), so only files
   * of uploads that died with the process are swept.
   */
  constructor(private readonly root: string, private readonly staleAfterMs?: number) {
    if (staleAfterMs === undefined) return;
    void this.sweepTemp();
    this.sweeper = setInterval(() => void this.sweepTemp(), staleAfterMs);
    this.sweeper.unref();
  }

  /** Removes stale `.tmp/*.part` files; answers how many. */
  async sweepTemp(now = Date.now()): Promise<number> {
    const tmpDir = join(this.root, '.tmp');
    const names = await readdir(tmpDir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('.part')) continue;
      const file = join(tmpDir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now - info.mtimeMs >= (this.staleAfterMs ?? 0)) {
        await unlink(file).then(() => removed++, () => undefined);
      }
    }
    return removed;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const target = this.pathOf(key);
    const tmpDir = join(this.root, '.tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const meter = meterFrom(body, options.maxSize);
    const out = createWriteStream(tmp, { flags: 'wx', highWaterMark: BLOB_CHUNK });
    try {
      await pipeline(meter, out);
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (err) {
      // A body that failed at once fails the pipeline before the file is even
      // open: wait for the stream to close, or the unlink would run first.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return meter.result();
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const stream = createReadStream(this.pathOf(key), { highWaterMark: BLOB_CHUNK, ...(range && { start: range.start, end: range.end }) });
    // Surface a missing file as a rejection here rather than as a stream error mid-reply.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    return access(this.pathOf(key)).then(() => true, () => false);
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertKey(`${prefix}/x`);
    await rm(join(this.root, prefix), { recursive: true, force: true });
  }

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.root, key);
  }
}
