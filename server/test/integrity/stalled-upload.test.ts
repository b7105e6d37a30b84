import t from 'tap';
import { connect } from 'node:net';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initSite } from './serve.ts';

// Covers config bodyIdleTimeoutSeconds (app.ts connectionTimeout) and the temp
// file sweep of storage/fs.ts, on a real `baas serve`: a multipart upload cut
// off before its closing delimiter is dropped after the idle timeout, SIGTERM
// does not wait on it, and `.part` files of dead uploads are swept at start.

t.test('a stalled multipart body times out, SIGTERM does not wait on it, stale temp files are swept', async (t) => {
  const site = await initSite();
  t.teardown(() => site.remove());
  // A temp file left by an upload that died with an earlier process, old enough to be stale.
  const tmpDir = join(site.dir, 'data', 'storage', '.tmp');
  mkdirSync(tmpDir, { recursive: true });
  const stale = join(tmpDir, 'dead.part');
  writeFileSync(stale, 'half an upload');
  utimesSync(stale, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));

  const server = await site.serve({ BAAS_BODY_IDLE_TIMEOUT_SECONDS: '2' });
  t.teardown(() => server.child.kill('SIGKILL'));
  for (let i = 0; i < 50 && existsSync(stale); i++) await new Promise((r) => setTimeout(r, 100));
  t.notOk(existsSync(stale), 'the stale .part was swept at start');

  const headers = { authorization: `Bearer ${site.secret}`, 'content-type': 'application/json' };
  const res = await fetch(`${server.url}/v1/projects/${site.project}/storage/buckets`, { method: 'POST', headers, body: JSON.stringify({ name: 'files' }) });
  t.equal(res.status, 201);

  // A body that stops before its closing delimiter and never ends.
  const { port } = new URL(server.url);
  const stalled = async () => {
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const part = '--B\r\ncontent-disposition: form-data; name="f"; filename="a.bin"\r\n\r\n' + 'x'.repeat(1000);
    socket.write(`POST /v1/projects/${site.project}/storage/buckets/files/objects/a.bin HTTP/1.1\r\nhost: x\r\n`
      + `authorization: Bearer ${site.secret}\r\ncontent-type: multipart/form-data; boundary=B\r\ncontent-length: 100000\r\n\r\n${part}`);
    const started = Date.now();
    let reply = '';
    socket.on('data', (d) => (reply += d));
    await new Promise((resolve) => socket.once('close', resolve));
    return { ms: Date.now() - started, reply };
  };
  const first = await stalled();
  t.ok(first.ms >= 1500 && first.ms < 15_000, `dropped after the idle timeout (${first.ms} ms)`);

  // SIGTERM while another is stalled: the stop waits at most the idle timeout.
  const second = stalled();
  await new Promise((r) => setTimeout(r, 300));
  const stopping = Date.now();
  const code = await server.stop();
  t.equal(code, 0, 'a clean exit');
  t.ok(Date.now() - stopping < 15_000, `stopped in ${Date.now() - stopping} ms`);
  await second;
  const left = existsSync(tmpDir) ? (await import('node:fs')).readdirSync(tmpDir) : [];
  t.same(left, [], 'the stalled uploads left no temp file');
});
