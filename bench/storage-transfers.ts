/**
 * A transfer process of the storage scenario, pinned by bench/scenarios/storage.ts
 * to a core: it does one timed operation per IPC request and answers with the
 * seconds it took.
 * - `copy`: the baseline, a streamed file copy (`createReadStream` ->
 *   `createWriteStream`, Node's default 64 KiB chunks), pinned to the server
 *   core as every baseline that does a server's work is;
 * - `upload` / `download`: the client of baas's raw PUT (streamed from the
 *   file) and GET (streamed to a file), pinned to the load core as wrk is, so
 *   the client never takes the server's core.
 * Run by the scenario, not by hand.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';

export type TransferRequest =
  | { id: number; op: 'copy'; source: string; target: string }
  | { id: number; op: 'upload'; url: string; path: string; secret: string; file: string }
  | { id: number; op: 'download'; url: string; path: string; secret: string; target: string };

export type TransferReply = { id: number; seconds: number } | { id: number; error: string };

function upload(base: string, path: string, secret: string, file: string): Promise<void> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path,
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/octet-stream',
        'content-length': statSync(file).size,
        'x-upsert': 'true',
      },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

function download(base: string, path: string, secret: string, target: string): Promise<void> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'GET', path, headers: { authorization: `Bearer ${secret}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`download: ${res.statusCode}`));
        return;
      }
      pipeline(res, createWriteStream(target)).then(resolve, reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function run(m: TransferRequest): Promise<void> {
  if (m.op === 'copy') return pipeline(createReadStream(m.source), createWriteStream(m.target));
  if (m.op === 'upload') return upload(m.url, m.path, m.secret, m.file);
  return download(m.url, m.path, m.secret, m.target);
}

if (!process.send) throw new Error('bench/storage-transfers.ts runs as a child of the storage scenario (needs an IPC channel)');
process.on('disconnect', () => process.exit(0));
process.on('message', async (m: TransferRequest) => {
  const start = process.hrtime.bigint();
  try {
    await run(m);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    process.send!({ id: m.id, seconds } satisfies TransferReply);
  } catch (err) {
    process.send!({ id: m.id, error: String(err) } satisfies TransferReply);
  }
});
process.send({ type: 'ready' });
