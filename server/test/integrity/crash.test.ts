/** Covers the durability of records/write.ts, records/changes.ts, services/batch.ts and both stores (db/sqlite.ts, db/postgres.ts) across a process crash. */
import t from 'tap';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createTempDatabase, engines, queryDatabase } from '@baas/testkit';
import { initSite, type Site } from './serve.ts';

// A real `baas serve` killed with SIGKILL under concurrent creates, partial
// updates of one record from two clients, deletes, refused writes and batches,
// restarted on the same data, on each engine. Then:
// - every acknowledged write is there with its acknowledged content, every
//   acknowledged delete is gone, nothing refused is there;
// - batches are all-or-nothing;
// - the change log is in order, holds an entry for every acknowledged write,
//   and replays to the stored rows;
// - integrity_check (SQLite) or amcheck (PostgreSQL) is ok on every crash image.
// BAAS_CRASH_ROUNDS raises the rounds (CI: 3 per engine).

const ROUNDS = Number(process.env.BAAS_CRASH_ROUNDS ?? 3);
// A round is a kill, a restart and a check on each engine: up to a minute on a loaded machine.
t.setTimeout(60_000 + ROUNDS * 60_000);

interface Note {
  a: number;
  b: number;
  text: string;
}

interface Change {
  seq: number;
  record_id: string;
  action: 'create' | 'update' | 'delete';
  record: Note & { id: string };
}

/** Reads a whole project table straight from the store, under the API. */
async function readTable(site: Site, databaseUrl: string | undefined, table: string): Promise<Record<string, unknown>[]> {
  if (databaseUrl) return queryDatabase(databaseUrl, `SELECT * FROM project_${site.project}."${table}"`);
  const db = new BetterSqlite3(join(site.dir, 'data', 'projects', site.project, 'data.db'), { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** The store's own consistency check on the crash image. */
async function checkImage(site: Site, databaseUrl: string | undefined): Promise<string> {
  if (!databaseUrl) {
    const db = new BetterSqlite3(join(site.dir, 'data', 'projects', site.project, 'data.db'));
    try {
      return String(db.pragma('integrity_check', { simple: true }));
    } finally {
      db.close();
    }
  }
  await queryDatabase(databaseUrl, 'CREATE EXTENSION IF NOT EXISTS amcheck');
  // bt_index_check raises on a corrupt B-tree (heapallindexed: and on a heap tuple missing from it),
  // so the query answering at all is the verdict; the count says it checked something.
  const [checked] = await queryDatabase(
    databaseUrl,
    `SELECT count(bt_index_check(c.oid, true)::text) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam WHERE n.nspname = $1 AND am.amname = 'btree'`,
    [`project_${site.project}`],
  );
  return Number(checked?.n) > 0 ? 'ok' : 'amcheck checked no index';
}

for (const engine of engines()) {
  t.test(`SIGKILL under concurrent writes loses nothing acknowledged [${engine.name}]`, async (t) => {
    const database = engine.databaseUrl ? await createTempDatabase(engine.databaseUrl) : undefined;
    if (database) t.teardown(() => database.drop());
    const site = await initSite({ databaseUrl: database?.url });
    t.teardown(() => site.remove());
    let server = await site.serve();
    t.teardown(() => server.child.kill('SIGKILL'));
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}/v1/projects/${site.project}${path}`, {
        method,
        headers: { authorization: `Bearer ${site.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    };
    const fields = [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }, { name: 'text', type: 'text', max: 40 }];
    t.equal((await call('POST', '/collections', { name: 'notes', fields, rules: {} })).status, 201);
    const shared = (await call('POST', '/collections/notes/records', { a: 0, b: 0, text: 'shared' })).body.id as string;

    const acked = new Map<string, Note>();
    const deleted = new Set<string>();
    const refused = new Set<string>();
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
              batches.push(ids);
              const res = await call('POST', '/batch', { operations: ids.map((id) => ({ action: 'create', collection: 'notes', data: { id, a: i, b: k, text: 'batch' } })) });
              if (res.status === 200) writes++;
            } else if (k === 3) {
              // Created, then deleted: an acknowledged delete must stay deleted.
              const id = `d${round}n${i}`;
              if ((await call('POST', '/collections/notes/records', { id, a: i, b: k, text: 'doomed' })).status !== 201) continue;
              writes++;
              acked.set(id, { a: i, b: k, text: 'doomed' });
              // A delete cut off by the kill may or may not have committed: the record is then unknown.
              const res = await call('DELETE', `/collections/notes/records/${id}`).catch((err: unknown) => {
                acked.delete(id);
                throw err;
              });
              if (res.status === 204) {
                writes++;
                acked.delete(id);
                deleted.add(id);
              }
            } else if (k === 4) {
              // Refused (text over its max): must never be stored.
              const id = `x${round}n${i}`;
              const res = await call('POST', '/collections/notes/records', { id, a: i, b: k, text: 'x'.repeat(41) });
              if (res.status === 400) refused.add(id);
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
      const running = [0, 1, 2, 3, 4, 5, 6].map(writer);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
      stop = true;
      await Promise.all(running);
      t.equal(await checkImage(site, database?.url), 'ok', `round ${round}: the crash image passes the store's check`);
      server = await site.serve();
    }

    const rows = new Map((await readTable(site, database?.url, 'notes')).map((row) => [String(row.id), row]));
    let lost = 0;
    for (const [id, want] of acked) {
      const row = rows.get(id);
      if (!row || Number(row.a) !== want.a || Number(row.b) !== want.b || row.text !== want.text) lost++;
    }
    const resurrected = [...deleted].filter((id) => rows.has(id)).length;
    const stored = [...refused].filter((id) => rows.has(id)).length;
    const sharedNow = rows.get(shared)!;
    t.ok(Number(sharedNow.a) >= lastA && Number(sharedNow.b) >= lastB, 'the shared record holds at least the last acknowledged values of both fields');
    const torn = batches.filter((ids) => rows.has(ids[0]!) !== rows.has(ids[1]!)).length;

    // The change log: in order, an entry for every acknowledged write, and replaying it gives the rows.
    const changes = (await readTable(site, database?.url, '_changes'))
      .map((row) => ({ ...row, seq: Number(row.seq), record: typeof row.record === 'string' ? JSON.parse(row.record) : row.record }) as Change)
      .sort((x, y) => x.seq - y.seq);
    const seqs = changes.map((change) => change.seq);
    t.same(seqs, [...new Set(seqs)], 'every change has its own seq');
    const replayed = new Map<string, Note>();
    const logged = new Set<string>();
    for (const change of changes) {
      logged.add(`${change.action}:${change.record_id}`);
      if (change.action === 'delete') replayed.delete(change.record_id);
      else replayed.set(change.record_id, change.record);
    }
    const unlogged = [...acked.keys()].filter((id) => !logged.has(`create:${id}`)).length + [...deleted].filter((id) => !logged.has(`delete:${id}`)).length;
    let diverged = 0;
    for (const id of new Set([...rows.keys(), ...replayed.keys()])) {
      const row = rows.get(id);
      const entry = replayed.get(id);
      if (!row || !entry || Number(row.a) !== entry.a || Number(row.b) !== entry.b || row.text !== entry.text) diverged++;
    }

    t.equal(lost, 0, `${ROUNDS} rounds, ${writes} acknowledged writes, 0 lost`);
    t.equal(resurrected, 0, `${deleted.size} acknowledged deletes, none back`);
    t.equal(stored, 0, `${refused.size} refused creates, none stored`);
    t.equal(torn, 0, `${batches.length} batches, none torn`);
    t.equal(unlogged, 0, 'every acknowledged create and delete is in the change log');
    t.equal(diverged, 0, `the change log (${changes.length} entries) replays to the ${rows.size} stored rows`);
    t.comment(
      `crash [${engine.name}]: ${ROUNDS} rounds, ${writes} acknowledged writes (${acked.size} creates checked, ${deleted.size} deletes, ${batches.length} batches), ${refused.size} refused; ${lost} lost, ${resurrected} resurrected, ${stored} refused stored, ${torn} torn, ${diverged} diverged from the log`,
    );
  });
}
