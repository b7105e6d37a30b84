import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type pg from 'pg';
import type { CollectionDefinition } from '@baas/protocol';
import { createCollectionTable } from '../db/collection-tables.ts';
import { migrate, quote, type Migration } from '../db/migrate.ts';
import { PostgresDatabase } from '../db/postgres.ts';
import type { StoreSnapshot } from './sqlite-store.ts';

/** Tables a dump leaves out: migrations are re-run on load; image variants are a cache. */
const skipped = new Set(['_migrations', '_object_variants']);
const FETCH_ROWS = 1000;

/** The first line of a table file: its columns and their PostgreSQL types. */
interface TableHeader {
  table: string;
  columns: string[];
  types: string[];
}

/**
 * Dumps schemas as JSON lines, one file per table (a header line, then one
 * array of values per row), all inside ONE `REPEATABLE READ READ ONLY`
 * transaction: every table of every schema as of the same instant, while
 * writers go on. Done in-process on the instance's own pool, so no pg_dump
 * binary (of the server's major version) is needed where baas runs.
 */
export async function dumpPostgres(pool: pg.Pool, targets: Array<{ schema: string; dir: string; kind: 'instance' | 'project' }>): Promise<StoreSnapshot[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out: StoreSnapshot[] = [];
    for (const { schema, dir, kind } of targets) {
      mkdirSync(dir, { recursive: true });
      const { rows: tables } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`,
        [schema],
      );
      for (const { table_name: table } of tables) if (!skipped.has(table)) await dumpTable(client, schema, table, join(dir, `${table}.jsonl`));
      const { rows } = await client.query<{ v: number }>(`SELECT max(version)::int AS v FROM ${quote(schema)}."_migrations"`);
      const blobKeys = kind === 'project'
        ? (await client.query<{ blob_key: string }>(`SELECT blob_key FROM ${quote(schema)}."_objects" ORDER BY blob_key`)).rows.map((r) => r.blob_key)
        : [];
      out.push({ migration: Number(rows[0].v), blobKeys });
    }
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function dumpTable(client: pg.PoolClient, schema: string, table: string, file: string): Promise<void> {
  const { rows: columns } = await client.query<{ column_name: string; data_type: string }>(
    // Generated columns (a collection's search vector) are computed again on load, not copied.
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    [schema, table],
  );
  const header: TableHeader = { table, columns: columns.map((c) => c.column_name), types: columns.map((c) => c.data_type) };
  // jsonb as text: a JSON null stays distinct from SQL NULL, and values come back byte for byte.
  const select = columns.map((c) => (c.data_type === 'jsonb' ? `${quote(c.column_name)}::text` : quote(c.column_name))).join(', ');
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  await write(JSON.stringify(header));
  const cursor = quote(`dump_${table}`);
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${select} FROM ${quote(schema)}.${quote(table)}`);
  for (;;) {
    const { rows } = await client.query({ text: `FETCH ${FETCH_ROWS} FROM ${cursor}`, rowMode: 'array' });
    for (const row of rows) await write(JSON.stringify(row));
    if (rows.length < FETCH_ROWS) break;
  }
  await client.query(`CLOSE ${cursor}`);
  out.end();
  await once(out, 'finish');
}

/**
 * Loads a dump into a new schema, inside the caller's transaction on `client`
 * (so a failure leaves nothing): the system tables by migrations up to the
 * dump's version, the collection tables from their definitions, the rows in
 * foreign-key order, sequences past their rows, then the newer migrations.
 */
export async function loadPostgres(
  pool: pg.Pool,
  client: pg.PoolClient,
  schema: string,
  dir: string,
  migrations: Migration[],
  version: number,
): Promise<PostgresDatabase> {
  await client.query(`CREATE SCHEMA ${quote(schema)}`);
  const db = new PostgresDatabase(pool, schema, client);
  const qualify = (name: string) => `${quote(schema)}.${quote(name)}`;
  await migrate(db, migrations.filter((m) => m.version <= version), qualify);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
  if (files.includes('_collections.jsonl')) {
    for await (const row of rowsOf(join(dir, '_collections.jsonl'))) {
      const definition = row.values[row.header.columns.indexOf('definition')] as string;
      await createCollectionTable(db, JSON.parse(definition) as CollectionDefinition);
    }
  }
  for (const table of await foreignKeyOrder(client, schema, files.map((f) => f.slice(0, -'.jsonl'.length)))) {
    await loadTable(client, schema, join(dir, `${table}.jsonl`));
  }
  const { rows: serials } = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND column_default LIKE 'nextval(%'`,
    [schema],
  );
  for (const { table_name: table, column_name: column } of serials) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(column)}) FROM ${qualify(table)}), 0) + 1, false)`,
      [qualify(table), column],
    );
  }
  await migrate(db, migrations, qualify);
  return db;
}

/** Tables in an order where every table comes after those its foreign keys point at. */
async function foreignKeyOrder(client: pg.PoolClient, schema: string, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = $1`,
    [schema],
  );
  const bare = (name: string) => name.split('.').pop()!.replace(/^"|"$/g, '');
  const parents = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = parents.get(bare(r.child)) ?? new Set();
    set.add(bare(r.parent));
    parents.set(bare(r.child), set);
  }
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const parent of parents.get(table) ?? []) if (tables.includes(parent)) visit(parent, path);
    ordered.push(table);
  };
  for (const table of [...tables].sort()) visit(table, new Set());
  return ordered;
}

/** Rows per INSERT: well under PostgreSQL's 65535 parameters for any table we make (at most 203 columns). */
const INSERT_ROWS = 250;

async function loadTable(client: pg.PoolClient, schema: string, file: string): Promise<void> {
  let header: TableHeader | undefined;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!header || batch.length === 0) return;
    const { columns, types } = header;
    const params: unknown[] = [];
    const tuples = batch.map((values) => `(${values.map((v, i) => {
      params.push(v);
      return types[i] === 'jsonb' ? `$${params.length}::jsonb` : `$${params.length}`;
    }).join(', ')})`);
    await client.query(`INSERT INTO ${quote(schema)}.${quote(header.table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    batch = [];
  };
  for await (const row of rowsOf(file)) {
    header = row.header;
    batch.push(row.values);
    if (batch.length >= INSERT_ROWS) await flush();
  }
  await flush();
}

/** The rows of a table file with its header. */
async function* rowsOf(file: string): AsyncGenerator<{ header: TableHeader; values: unknown[] }> {
  let header: TableHeader | undefined;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    if (!header) header = JSON.parse(line) as TableHeader;
    else yield { header, values: JSON.parse(line) as unknown[] };
  }
}
