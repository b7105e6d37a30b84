import type { SortKey } from './index.ts';
import { MAX_SOURCE_LENGTH, QueryError } from './errors.ts';

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a sort specification such as `-created_at,title` (a leading `-` sorts
 * descending, `+` or nothing ascending). Blank input gives no keys. Throws QueryError
 * (with the position of the offending item) for bad syntax, unknown and repeated fields.
 */
export function parseSort(source: string, fieldExists: (name: string) => boolean): SortKey[] {
  if (source.length > MAX_SOURCE_LENGTH) throw new QueryError('sort is too long', MAX_SOURCE_LENGTH);
  if (source.trim() === '') return [];
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const part of source.split(',')) {
    const lead = part.length - part.trimStart().length;
    let pos = offset + lead;
    let item = part.trim();
    offset += part.length + 1;
    if (item === '') throw new QueryError('expected a field name', pos);
    let desc = false;
    if (item[0] === '-' || item[0] === '+') {
      desc = item[0] === '-';
      item = item.slice(1);
      pos++;
    }
    if (!namePattern.test(item)) throw new QueryError(`invalid sort field ${JSON.stringify(item)}`, pos);
    if (!fieldExists(item)) throw new QueryError(`unknown field '${item}'`, pos);
    if (seen.has(item)) throw new QueryError(`field '${item}' is sorted twice`, pos);
    seen.add(item);
    keys.push({ field: item, desc });
  }
  return keys;
}
