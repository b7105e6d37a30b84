import { sql, type SQL } from 'drizzle-orm';
import type { CollectionDefinition } from '@baas/protocol';
import { fts5Match, fts5Phrase, tsPhrase, tsQuery, type SearchQuery } from '@baas/query';
import type { Database } from './database.ts';

/**
 * The full-text index of a collection with a `search` option (docs/search.md).
 *
 * SQLite: an FTS5 external-content table over the collection's table (the
 * text lives once, in the collection), kept in sync by triggers, so every
 * write path (records, batch, a default given to a new field, restore) updates
 * it in the write's own transaction without knowing about it. It joins on
 * rowid, which SQLite keeps through VACUUM for these tables (a test checks).
 *
 * PostgreSQL: a generated tsvector column with a GIN index: the engine
 * computes it in the write's own statement.
 *
 * Both: no stemming, case folded, accents kept (the engines agree on it);
 * a match in an earlier search field weighs more.
 */

/** The FTS5 table of a collection (SQLite). System names start with `_`; the trailing `_` keeps its shadow tables apart from other collections'. */
export function ftsTableName(collection: string): string {
  return `_fts_${collection}_`;
}

/** The generated tsvector column (PostgreSQL); field names start with a letter, so it cannot clash. */
export const SEARCH_COLUMN = '_search';

/** Weights of the search fields in order: PostgreSQL's A, B, C, D (ts_rank's defaults), and the same for bm25. */
const WEIGHTS = [1, 0.4, 0.2, 0.1];
const weightOf = (i: number) => WEIGHTS[Math.min(i, WEIGHTS.length - 1)];
const LETTERS = ['A', 'B', 'C', 'D'];

/** What the index depends on: a change of it (search fields, their names, the table) rebuilds the index. */
export function searchSignature(def: CollectionDefinition): string {
  return def.search?.length ? JSON.stringify([def.name, def.search]) : '';
}

const ident = (name: string): SQL => sql`${sql.identifier(name)}`;
const list = (parts: SQL[]) => sql.join(parts, sql`, `);

/** The tsvector of a record: each search field weighted by its place. Immutable, as a generated column needs. */
function tsvector(fields: string[]): SQL {
  return sql.join(
    fields.map((f, i) => sql`setweight(to_tsvector('simple'::regconfig, coalesce(${ident(f)}, '')), ${sql.raw(`'${LETTERS[Math.min(i, 3)]}'`)})`),
    sql` || `,
  );
}

/** Creates and fills the index of a collection whose definition has `search`. Call inside the schema change's transaction. */
export async function createSearchIndex(db: Database, def: CollectionDefinition): Promise<void> {
  const fields = def.search;
  if (!fields?.length) return;
  if (db.dialect === 'postgres') {
    await db.run(sql`ALTER TABLE ${db.table(def.name)} ADD COLUMN ${ident(SEARCH_COLUMN)} tsvector GENERATED ALWAYS AS (${tsvector(fields)}) STORED`);
    await db.run(sql`CREATE INDEX ${ident(ftsTableName(def.name))} ON ${db.table(def.name)} USING gin (${ident(SEARCH_COLUMN)})`);
    return;
  }
  const fts = ident(ftsTableName(def.name));
  const columns = list(fields.map(ident));
  const values = (row: 'new' | 'old') => list(fields.map((f) => sql`${sql.raw(row)}.${ident(f)}`));
  const insert = sql`INSERT INTO ${fts} (rowid, ${columns}) VALUES (new.rowid, ${values('new')});`;
  const remove = sql`INSERT INTO ${fts} (${fts}, rowid, ${columns}) VALUES ('delete', old.rowid, ${values('old')});`;
  const trigger = (suffix: string) => ident(`${ftsTableName(def.name)}${suffix}`);
  // The collection name is a checked identifier ([a-z][a-z0-9_]*): safe inside the option's quotes.
  await db.run(sql`CREATE VIRTUAL TABLE ${fts} USING fts5(${columns}, content=${sql.raw(`'${def.name}'`)}, content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 0')`);
  await db.run(sql`CREATE TRIGGER ${trigger('ai')} AFTER INSERT ON ${ident(def.name)} BEGIN ${insert} END`);
  await db.run(sql`CREATE TRIGGER ${trigger('ad')} AFTER DELETE ON ${ident(def.name)} BEGIN ${remove} END`);
  await db.run(sql`CREATE TRIGGER ${trigger('au')} AFTER UPDATE OF ${columns} ON ${ident(def.name)} BEGIN ${remove} ${insert} END`);
  await db.run(sql`INSERT INTO ${fts} (${fts}) VALUES ('rebuild')`);
}

/** Removes the index of a collection as `def` describes it (nothing when it has none). */
export async function dropSearchIndex(db: Database, def: CollectionDefinition): Promise<void> {
  if (!def.search?.length) return;
  if (db.dialect === 'postgres') {
    await db.run(sql`ALTER TABLE ${db.table(def.name)} DROP COLUMN IF EXISTS ${ident(SEARCH_COLUMN)}`);
    return;
  }
  for (const suffix of ['ai', 'ad', 'au']) await db.run(sql`DROP TRIGGER IF EXISTS ${ident(`${ftsTableName(def.name)}${suffix}`)}`);
  await db.run(sql`DROP TABLE IF EXISTS ${ident(ftsTableName(def.name))}`);
}

/** The records of `table` that match: a condition for WHERE (counts, searches sorted by a field). */
export function searchCondition(db: Database, def: CollectionDefinition, table: SQL, query: SearchQuery): SQL {
  if (db.dialect === 'postgres') return sql`${table}.${ident(SEARCH_COLUMN)} @@ to_tsquery('simple', ${tsQuery(query)})`;
  const fts = ident(ftsTableName(def.name));
  return sql`${table}.rowid IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${fts5Match(query)})`;
}

/** Columns a ranked search adds to each row: whether the whole search matched as a phrase (1/0), and the relevance (higher is better). */
export const RANK_COLUMNS = { phrase: '__phrase', rank: '__rank' } as const;

/**
 * The matching rows of `table` that meet `where`, each with its relevance, as
 * a derived table to page over: every column of the record plus
 * RANK_COLUMNS. SQLite ranks with bm25 (negated, so higher is better),
 * PostgreSQL with ts_rank (normalized by document length); on both an exact
 * match of the whole search as a phrase ranks above every other match.
 */
export function rankedSearch(db: Database, def: CollectionDefinition, table: SQL, query: SearchQuery, where: SQL): SQL {
  const phrase = RANK_COLUMNS.phrase;
  const rank = RANK_COLUMNS.rank;
  if (db.dialect === 'postgres') {
    const vector = sql`${table}.${ident(SEARCH_COLUMN)}`;
    const whole = tsPhrase(query);
    const phraseSql = whole === undefined ? sql`0` : sql`(${vector} @@ to_tsquery('simple', ${whole}))::int`;
    return sql`SELECT ${table}.*, ${phraseSql} AS ${ident(phrase)}, ts_rank(${vector}, to_tsquery('simple', ${tsQuery(query)}), 1)::double precision AS ${ident(rank)}
      FROM ${table} WHERE ${vector} @@ to_tsquery('simple', ${tsQuery(query)}) AND ${where}`;
  }
  const fts = ident(ftsTableName(def.name));
  const whole = fts5Phrase(query);
  const phraseSql = whole === undefined ? sql`0` : sql`(rowid IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${whole}))`;
  const weights = sql.raw(def.search!.map((_, i) => weightOf(i)).join(', '));
  return sql`SELECT ${table}.*, s.${ident(phrase)}, s.${ident(rank)}
    FROM (SELECT rowid AS __rowid, ${phraseSql} AS ${ident(phrase)}, -bm25(${fts}, ${weights}) AS ${ident(rank)} FROM ${fts} WHERE ${fts} MATCH ${fts5Match(query)}) AS s
    JOIN ${table} ON ${table}.rowid = s.__rowid WHERE ${where}`;
}

// Markers the engines put around matches; replaced by <mark> once the text is HTML-escaped.
const OPEN = '\u0002';
const CLOSE = '\u0003';
const SNIPPET_TOKENS = 16;

/**
 * Snippets of the search fields of the given records around what matched:
 * HTML-escaped text with `<mark>` around matches, for the fields that have a
 * match. FTS5's snippet() and PostgreSQL's ts_headline pick fragments their own way.
 */
export async function searchSnippets(
  db: Database,
  def: CollectionDefinition,
  table: SQL,
  query: SearchQuery,
  ids: string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (ids.length === 0) return out;
  const fields = def.search!;
  let rows: Array<Record<string, unknown>>;
  if (db.dialect === 'postgres') {
    const options = `StartSel=${OPEN}, StopSel=${CLOSE}, MaxWords=${SNIPPET_TOKENS + 8}, MinWords=${SNIPPET_TOKENS / 2}`;
    const q = sql`to_tsquery('simple', ${tsQuery(query)})`;
    const columns = fields.map((f, i) => sql`ts_headline('simple', coalesce(${table}.${ident(f)}, ''), ${q}, ${options}) AS ${ident(`h${i}`)}`);
    rows = await db.all(sql`SELECT ${table}.id AS id, ${list(columns)} FROM ${table} WHERE ${table}.id IN ${ids}`);
  } else {
    const fts = ident(ftsTableName(def.name));
    const columns = fields.map((_, i) => sql`snippet(${fts}, ${sql.raw(String(i))}, ${OPEN}, ${CLOSE}, '…', ${SNIPPET_TOKENS}) AS ${ident(`h${i}`)}`);
    rows = await db.all(sql`SELECT ${table}.id AS id, ${list(columns)} FROM ${fts} JOIN ${table} ON ${table}.rowid = ${fts}.rowid
      WHERE ${fts} MATCH ${fts5Match(query)} AND ${table}.id IN ${ids}`);
  }
  for (const row of rows) {
    const marked: Record<string, string> = {};
    fields.forEach((f, i) => {
      const text = row[`h${i}`];
      if (typeof text === 'string' && text.includes(OPEN)) marked[f] = markHtml(text);
    });
    out.set(row.id as string, marked);
  }
  return out;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML, then turns the engine's markers into <mark> elements. */
export function markHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => escapes[c])
    .replaceAll(OPEN, '<mark>')
    .replaceAll(CLOSE, '</mark>');
}
