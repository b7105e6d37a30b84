/** Covers the stream sizes of storage/driver.ts (Meter) and storage/fs.ts. */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { tempDir } from '@baas/testkit';
import { BLOB_CHUNK, Meter } from './driver.ts';
import { FsDriver } from './fs.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('the meter takes 1 MiB before it pushes back, so the socket keeps being read while a write runs', async (t) => {
  const meter = new Meter();
  let accepted = 0;
  // 64 KiB at a time, as a socket delivers an upload; nobody reads the meter meanwhile.
  while (meter.write(Buffer.alloc(64 * KiB)) && accepted < 8 * MiB) accepted += 64 * KiB;
  t.ok(accepted >= BLOB_CHUNK, `backpressure after ${accepted / KiB} KiB (Node's default stream buffer would stop it at 16 KiB)`);
  t.ok(accepted < 8 * MiB, 'but it does push back: memory per upload stays bounded');
  meter.destroy();
});

t.test('fs blobs: an upload from socket-sized chunks lands whole, a download reads the file 1 MiB at a time', async (t) => {
  const dir = tempDir();
  t.teardown(() => dir.remove());
  const driver = new FsDriver(dir.path);
  const data = randomBytes(3 * MiB + 5);
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 64 * KiB) chunks.push(data.subarray(at, at + 64 * KiB));
  const put = await driver.put('p/blob', Readable.from(chunks), { contentType: 'application/octet-stream' });
  t.same(put, { size: data.length, sha256: sha(data) });

  const sizes: number[] = [];
  const back: Buffer[] = [];
  for await (const chunk of await driver.get('p/blob')) {
    sizes.push(chunk.length);
    back.push(chunk);
  }
  t.same(sizes, [MiB, MiB, MiB, 5], 'four reads, not 49 of 64 KiB');
  t.equal(sha(Buffer.concat(back)), sha(data));

  const range: Buffer[] = [];
  for await (const chunk of await driver.get('p/blob', { start: 10, end: 2 * MiB + 10 })) range.push(chunk);
  t.same(Buffer.concat(range), data.subarray(10, 2 * MiB + 11), 'a range is still exactly its bytes');
});
