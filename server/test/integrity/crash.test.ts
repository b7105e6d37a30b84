import t from 'tap';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { initSite } from './serve.ts';

// A real `baas serve` (SQLite) killed with SIGKILL under concurrent creates,
// partial updates of one record from two clients and batches, restarted on the
// same data: every acknowledged write is there with its acknowledged content,
// batches are all-or-nothing, and integrity_check is ok on every crash image.
// BAAS_CRASH_ROUNDS raises the rounds (CI: 3).

const ROUNDS = Number(process.env.BAAS_CRASH_ROUNDS ?? 3);

t.test('SIGKILL under concurrent writes loses nothing acknowledged', async (t) => {
  const site = await initSite();
  t.teardown(() => site.remove());
  let server = await site.serve();
  t.teardown(() => server.child.kill('SIGKILL'));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/v1/projects/${site.project}${path}`, {
      method,
      headers: { authorization: `Bearer ${site.secret}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  t.equal((await call('POST', '/collections', { name: 'notes', fields: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }, { name: 'text', type: 'text' }], rules: {} })).status, 201);
  const shared = (await call('POST', '/collections/notes/records', { a: 0, b: 0, text: 'shared' })).body.id as string;

  const acked = new Map<string, { a: number; b: number; text: string }>();
  const batches: string[][] = [];
  let writes = 0;
  let lastA = 0;
  let lastB = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let stop = false;
    const writer = async (k: number) => {
      for (let i = 0; !stop; i++) {
        try {
          if (k === 0 || k === 1) {
            const field = k === 0 ? 'a' : 'b';
            const value = round * 100_000 + i + 1;
            const res = await call('PATCH', `/collections/notes/records/${shared}`, { [field]: value });
            if (res.status === 200) {
              writes++;
              if (field === 'a') lastA = value;
              else lastB = value;
            }
          } else if (k === 2) {
            const ids = [`b${round}x${i}a`, `b${round}x${i}b`];
            const res = await call('POST', '/batch', { operations: ids.map((id) => ({ action: 'create', collection: 'notes', data: { id, a: i, b: k, text: 'batch' } })) });
            batches.push(ids);
            if (res.status === 200) writes++;
          } else {
            const id = `r${round}k${k}n${i}`;
            const res = await call('POST', '/collections/notes/records', { id, a: i, b: k, text: `é😀 ${id}` });
            if (res.status === 201) {
              writes++;
              acked.set(id, { a: i, b: k, text: `é😀 ${id}` });
            }
          }
        } catch {
          return; // the server died under this request: not acknowledged
        }
      }
    };
    const running = [0, 1, 2, 3, 4].map(writer);
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    stop = true;
    await Promise.all(running);

    const db = new BetterSqlite3(join(site.dir, 'data', 'projects', site.project, 'data.db'));
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok', `round ${round}: integrity_check`);
    db.close();
    server = await site.serve();
  }

  let lost = 0;
  for (const [id, want] of acked) {
    const res = await call('GET', `/collections/notes/records/${id}`);
    if (res.status !== 200 || res.body.a !== want.a || res.body.b !== want.b || res.body.text !== want.text) lost++;
  }
  const sharedNow = (await call('GET', `/collections/notes/records/${shared}`)).body;
  t.ok(sharedNow.a >= lastA && sharedNow.b >= lastB, 'the shared record holds at least the last acknowledged values of both fields');
  let torn = 0;
  for (const ids of batches) {
    const present = await Promise.all(ids.map(async (id) => (await call('GET', `/collections/notes/records/${id}`)).status === 200));
    if (present[0] !== present[1]) torn++;
  }
  t.equal(lost, 0, `${ROUNDS} rounds, ${writes} acknowledged writes, 0 lost`);
  t.equal(torn, 0, `${batches.length} batches, none torn`);
  t.comment(`crash: ${ROUNDS} rounds, ${writes} acknowledged writes, ${acked.size} creates checked, ${batches.length} batches, ${lost} lost, ${torn} torn`);
});
