/**
 * The full-text search language of `?search=`: words separated by spaces, each
 * matching as a prefix (`hel wor` finds "hello world"), all of them required;
 * `"a quoted phrase"` matches its words next to each other, in order. Nothing
 * else is syntax: operators of the engines (FTS5's NEAR, AND, column filters;
 * tsquery's & | !) are ordinary text here, so no input can make a query fail.
 *
 * Each engine tokenizes the words itself, with the tokenizer its index was
 * built with (docs/search.md): this module only splits and quotes.
 */
import { unstorableText } from '@baas/protocol';
import { QueryError } from './errors.ts';

/** One required term: a word (matched as a prefix) or a quoted phrase (matched exactly). */
export interface SearchTerm {
  text: string;
  phrase: boolean;
}

/** A parsed search. */
export interface SearchQuery {
  terms: SearchTerm[];
}

/** Longest search accepted (characters), and most terms in one search. */
export const MAX_SEARCH_LENGTH = 500;
export const MAX_SEARCH_TERMS = 32;

// A term must hold a letter or a digit: one of pure punctuation has no token in either engine.
const wordy = /[\p{L}\p{N}]/u;

/**
 * Splits a search into terms. Returns undefined for a search without any letter
 * or digit (the list is then not searched). Throws QueryError when it is too long.
 */
export function parseSearch(source: string): SearchQuery | undefined {
  if (source.length > MAX_SEARCH_LENGTH) throw new QueryError(`search is longer than ${MAX_SEARCH_LENGTH} characters`, MAX_SEARCH_LENGTH);
  const unstorable = unstorableText(source);
  if (unstorable) throw new QueryError(`the search ${unstorable.message}`, 0);
  const terms: SearchTerm[] = [];
  const pattern = /"([^"]*)"?|[^\s"]+/g;
  for (const m of source.matchAll(pattern)) {
    const phrase = m[1] !== undefined;
    const text = (phrase ? m[1] : m[0]).trim().replace(/\s+/g, ' ');
    if (!wordy.test(text)) continue;
    if (terms.length === MAX_SEARCH_TERMS) throw new QueryError(`at most ${MAX_SEARCH_TERMS} search terms`, m.index);
    terms.push({ text, phrase });
  }
  return terms.length ? { terms } : undefined;
}

/** The whole search as one phrase, when it has more than one word: matching it ranks first. */
function wholePhrase(query: SearchQuery): string | undefined {
  const text = query.terms.map((t) => t.text).join(' ');
  return /[\p{L}\p{N}][^\p{L}\p{N}]+[\p{L}\p{N}]/u.test(text) ? text : undefined;
}

const fts5String = (text: string) => `"${text.replace(/"/g, '""')}"`;
const tsString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** The FTS5 MATCH expression: every term a string (so no FTS5 syntax), words with a trailing `*`. */
export function fts5Match(query: SearchQuery): string {
  return query.terms.map((t) => (t.phrase ? fts5String(t.text) : `${fts5String(t.text)}*`)).join(' AND ');
}

/** The FTS5 MATCH expression of the whole search as an exact phrase, if it has several words. */
export function fts5Phrase(query: SearchQuery): string | undefined {
  const text = wholePhrase(query);
  return text === undefined ? undefined : fts5String(text);
}

/** The tsquery text (for to_tsquery): every term quoted, words with `:*`, ANDed. */
export function tsQuery(query: SearchQuery): string {
  return query.terms.map((t) => (t.phrase ? `(${tsString(t.text)})` : `${tsString(t.text)}:*`)).join(' & ');
}

/** The tsquery text of the whole search as an exact phrase (PostgreSQL turns a quoted phrase into `<->`). */
export function tsPhrase(query: SearchQuery): string | undefined {
  const text = wholePhrase(query);
  return text === undefined ? undefined : tsString(text);
}
