import { createHash, randomInt } from 'node:crypto';
import {
  fieldTypes,
  ruleNames,
  systemFields,
  type CollectionDefinition,
  type CollectionRules,
  type FieldDefinition,
  type FieldType,
  type IndexDefinition,
} from '@baas/protocol';
import { ErrorBag, SchemaError } from './errors.ts';
import { checkName, namePattern } from './names.ts';
import { checkValue, compilePattern, parseIsoDate } from './values.ts';

/** Most fields one collection may have; wide tables are a design smell and slow every SELECT *. */
export const maxFields = 200;
/** Most indexes one collection may have. */
export const maxIndexes = 64;
/** Most fields in one index (PostgreSQL's INDEX_MAX_KEYS is 32). */
export const maxIndexFields = 32;
/** A rule is at most 4 KiB (UTF-8); longer rules belong in code using the service role. */
export const maxRuleBytes = 4096;
/** A text field's `pattern` is at most 500 characters. */
export const maxPatternLength = 500;
/** A select field has at most 1000 values of at most 255 characters each. */
export const maxSelectValues = 1000;
const maxSelectValueLength = 255;

/** The five rules of a collection, in the order the API shows them. */
export { ruleNames };

/** Field ids: what the server generates (`f` + 8 base36) or what an import carries. */
export const fieldIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

const fieldKeys = new Set([
  'id', 'name', 'type', 'required', 'unique', 'nullable', 'default', 'min', 'max',
  'pattern', 'values', 'multiple', 'collection',
]);
const collectionKeys = new Set(['name', 'fields', 'rules', 'indexes', 'search']);
/** Most fields full-text search may read. */
export const maxSearchFields = 16;
const searchableTypes: readonly FieldType[] = ['text', 'email', 'url'];
/** Present in GET replies; ignored on input so a fetched definition can be sent back as is. */
const readOnlyCollectionKeys = new Set(['createdAt', 'updatedAt']);
const indexKeys = new Set(['name', 'fields', 'unique']);
const base36 = '0123456789abcdefghijklmnopqrstuvwxyz';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A new random field id: `f` + 8 base36 characters. */
export function newFieldId(): string {
  let id = 'f';
  for (let i = 0; i < 8; i++) id += base36[randomInt(36)];
  return id;
}

/**
 * The name an index gets when none is given: `idx_<collection>_<f1>_<f2>`
 * (without the `-` of descending fields). Names longer than 63 characters keep
 * a readable prefix and end in a hash of the full name, so they stay unique.
 */
export function defaultIndexName(collection: string, fields: readonly string[]): string {
  const full = ['idx', collection, ...fields.map((f) => f.replace(/^-/, ''))].join('_');
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 54)}_${hash}`;
}

/** Options by type; everything else is refused so a typo never silently does nothing. */
function optionAllowed(key: string, type: FieldType, multiple: boolean): boolean {
  switch (key) {
    case 'values':
      return type === 'select';
    case 'collection':
      return type === 'relation';
    case 'pattern':
      return type === 'text';
    case 'multiple':
      return type === 'select' || type === 'relation' || type === 'file';
    case 'min':
    case 'max':
      return multiple || ['text', 'email', 'url', 'number', 'integer', 'date'].includes(type);
    default:
      return true;
  }
}

/** One parsed input field, before it is matched against the existing definition. */
interface ParsedField {
  index: number;
  rawId: unknown;
  field: FieldDefinition;
}

/** Validates one field; returns it in canonical form, or null when too broken to use. */
function parseField(raw: unknown, path: string, errors: ErrorBag): FieldDefinition | null {
  if (!isObject(raw)) {
    errors.add(path, 'invalid_type', 'must be an object');
    return null;
  }
  const startErrors = Object.keys(errors.fields).length;
  const nameProblem = checkName(raw.name, 'field');
  if (raw.name === undefined) errors.add(`${path}.name`, 'required', 'is required');
  else if (nameProblem) errors.add(`${path}.name`, nameProblem.code, nameProblem.message);
  if (!fieldTypes.includes(raw.type as FieldType)) {
    errors.add(`${path}.type`, raw.type === undefined ? 'required' : 'invalid_type', `must be one of: ${fieldTypes.join(', ')}`);
  }
  for (const key of ['required', 'unique', 'nullable', 'multiple']) {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') errors.add(`${path}.${key}`, 'invalid_type', 'must be true or false');
  }
  if (nameProblem || !fieldTypes.includes(raw.type as FieldType)) {
    for (const key of Object.keys(raw)) {
      if (!fieldKeys.has(key)) errors.add(`${path}.${key}`, 'unknown_option', `'${key}' is not a field option`);
    }
    return null;
  }

  const type = raw.type as FieldType;
  const multiple = raw.multiple === true && optionAllowed('multiple', type, false);
  for (const key of Object.keys(raw)) {
    if (!fieldKeys.has(key)) errors.add(`${path}.${key}`, 'unknown_option', `'${key}' is not a field option`);
    else if (raw[key] !== undefined && !optionAllowed(key, type, multiple)) {
      errors.add(`${path}.${key}`, 'option_not_allowed', `'${key}' does not apply to ${multiple ? 'multiple ' : ''}${type} fields`);
    }
  }

  const field: FieldDefinition = { name: raw.name as string, type };
  if (raw.required === true) field.required = true;
  if (raw.unique === true) {
    // json equality differs between engines (text vs jsonb), and "unique
    // arrays" is rarely what anyone means.
    if (type === 'json' || multiple) errors.add(`${path}.unique`, 'option_not_allowed', `'unique' does not apply to ${multiple ? 'multiple' : 'json'} fields`);
    else field.unique = true;
  }
  if (typeof raw.nullable === 'boolean') {
    if (raw.nullable && raw.required === true) {
      errors.add(`${path}.nullable`, 'contradiction', 'a required field cannot be nullable');
    } else if (raw.nullable !== !field.required) {
      field.nullable = raw.nullable; // only kept when it differs from the default
    }
  }
  if (multiple) field.multiple = true;

  if (type === 'select') {
    const values = raw.values;
    if (values === undefined) errors.add(`${path}.values`, 'required', 'a select field needs its list of values');
    else if (!Array.isArray(values) || values.length === 0 || values.length > maxSelectValues) {
      errors.add(`${path}.values`, 'invalid_values', `must be a non-empty array of at most ${maxSelectValues} strings`);
    } else if (!values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= maxSelectValueLength)) {
      errors.add(`${path}.values`, 'invalid_values', `every value must be a string of 1-${maxSelectValueLength} characters`);
    } else if (new Set(values).size !== values.length) {
      errors.add(`${path}.values`, 'invalid_values', 'values must be unique');
    } else field.values = [...(values as string[])];
  }

  if (type === 'relation') {
    const target = raw.collection;
    if (target === undefined) errors.add(`${path}.collection`, 'required', 'a relation needs its target collection');
    else if (target !== 'users' && checkName(target, 'collection') !== null) {
      errors.add(`${path}.collection`, 'invalid_name', "must be a collection name or 'users'");
    } else field.collection = target as string;
  }

  if (type === 'text' && raw.pattern !== undefined) {
    if (typeof raw.pattern !== 'string' || raw.pattern.length === 0 || raw.pattern.length > maxPatternLength) {
      errors.add(`${path}.pattern`, 'invalid_pattern', `must be a regular expression of 1-${maxPatternLength} characters`);
    } else {
      try {
        compilePattern(raw.pattern);
        field.pattern = raw.pattern;
      } catch (e) {
        errors.add(`${path}.pattern`, 'invalid_pattern', `is not an RE2 regular expression (linear-time matching: no backreferences or lookaround): ${(e as Error).message}`);
      }
    }
  }

  parseBounds(raw, field, multiple, path, errors);

  // The default is checked last, against the finished field, so it obeys
  // every option above; a field that already failed gets no second opinion.
  if (raw.default !== undefined && raw.default !== null && Object.keys(errors.fields).length === startErrors) {
    const r = checkValue(field, raw.default);
    if (r.ok) field.default = r.value;
    else errors.add(`${path}.default`, 'invalid_default', `is not a valid value: ${r.message}`);
  }
  return field;
}

/** min/max: lengths, values, ISO dates or item counts depending on the type. */
function parseBounds(raw: Record<string, unknown>, field: FieldDefinition, multiple: boolean, path: string, errors: ErrorBag): void {
  const bounds: Array<'min' | 'max'> = ['min', 'max'];
  const parsed: Partial<Record<'min' | 'max', number>> = {};
  for (const key of bounds) {
    const v = raw[key];
    if (v === undefined || !optionAllowed(key, field.type, multiple)) continue;
    if (field.type === 'date' && !multiple) {
      const date = typeof v === 'string' ? parseIsoDate(v) : null;
      if (!date) errors.add(`${path}.${key}`, 'invalid_type', 'must be an ISO 8601 date');
      else {
        field[key] = date.toISOString();
        parsed[key] = date.getTime();
      }
    } else if (field.type === 'number' || field.type === 'integer') {
      if (typeof v !== 'number' || !Number.isFinite(v)) errors.add(`${path}.${key}`, 'invalid_type', 'must be a finite number');
      else parsed[key] = field[key] = v;
    } else if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      // Lengths of text and counts of items.
      errors.add(`${path}.${key}`, 'invalid_type', 'must be a non-negative integer');
    } else parsed[key] = field[key] = v;
  }
  if (parsed.min !== undefined && parsed.max !== undefined && parsed.min > parsed.max) {
    errors.add(`${path}.min`, 'invalid_range', 'min must not be greater than max');
  }
}

/** Canonical key order, so stored definitions and diffs read the same everywhere. */
function canonical(f: FieldDefinition): FieldDefinition {
  const order: Array<keyof FieldDefinition> = [
    'id', 'name', 'type', 'required', 'nullable', 'unique', 'multiple', 'default',
    'min', 'max', 'pattern', 'values', 'collection',
  ];
  const out: Record<string, unknown> = {};
  for (const k of order) if (f[k] !== undefined) out[k] = f[k];
  return out as unknown as FieldDefinition;
}

/**
 * Matches input fields to the existing ones (by id first, so a rename is
 * "same id, new name"; else by name), assigns ids and refuses type changes.
 */
function resolveFields(parsed: ParsedField[], existing: FieldDefinition[], errors: ErrorBag): FieldDefinition[] {
  const byId = new Map(existing.filter((f) => f.id).map((f) => [f.id as string, f]));
  const byName = new Map(existing.map((f) => [f.name, f]));
  const claimed = new Set<FieldDefinition>();
  const match = new Map<ParsedField, FieldDefinition>();
  for (const p of parsed) {
    const old = typeof p.rawId === 'string' ? byId.get(p.rawId) : undefined;
    if (old && !claimed.has(old)) {
      claimed.add(old);
      match.set(p, old);
    }
  }
  for (const p of parsed) {
    if (match.has(p)) continue;
    const old = byName.get(p.field.name);
    if (old && !claimed.has(old)) {
      claimed.add(old);
      match.set(p, old);
    }
  }

  const usedIds = new Set<string>(existing.flatMap((f) => (f.id ? [f.id] : [])));
  const out: FieldDefinition[] = [];
  for (const p of parsed) {
    const path = `fields.${p.index}`;
    const old = match.get(p);
    let id: string;
    if (old) {
      if (old.type !== p.field.type || Boolean(old.multiple) !== Boolean(p.field.multiple)) {
        errors.add(`${path}.type`, 'type_change', `field '${old.name}' cannot change type; add a new field instead`);
      }
      id = old.id ?? newFieldId();
    } else if (p.rawId !== undefined) {
      if (typeof p.rawId !== 'string' || !fieldIdPattern.test(p.rawId)) {
        errors.add(`${path}.id`, 'invalid_id', 'must be 1-64 characters of A-Z a-z 0-9 _ -');
        id = newFieldId();
      } else if (usedIds.has(p.rawId)) {
        errors.add(`${path}.id`, 'duplicate_id', `field id '${p.rawId}' is used twice`);
        id = p.rawId;
      } else id = p.rawId;
    } else {
      do id = newFieldId();
      while (usedIds.has(id));
    }
    usedIds.add(id);
    out.push(canonical({ ...p.field, id }));
  }
  return out;
}

/** Checks the rules object; in a PATCH the given keys are merged onto the existing rules. */
function parseRules(raw: unknown, base: CollectionRules, errors: ErrorBag): CollectionRules {
  const rules: CollectionRules = { ...base };
  if (raw === undefined) return rules;
  if (!isObject(raw)) {
    errors.add('rules', 'invalid_type', `must be an object with the keys ${ruleNames.join(', ')}`);
    return rules;
  }
  for (const [key, value] of Object.entries(raw)) {
    const path = `rules.${key}`;
    if (!(ruleNames as readonly string[]).includes(key)) {
      errors.add(path, 'unknown_key', `must be one of: ${ruleNames.join(', ')}`);
    } else if (value !== null && typeof value !== 'string') {
      errors.add(path, 'invalid_type', "must be a string ('' = everyone) or null (service role and admins only)");
    } else if (typeof value === 'string' && Buffer.byteLength(value, 'utf8') > maxRuleBytes) {
      errors.add(path, 'too_long', `must be at most ${maxRuleBytes} bytes`);
    } else rules[key as keyof CollectionRules] = value;
  }
  return rules;
}

/** Checks the given indexes against the final fields and names the unnamed ones. */
function parseIndexes(raw: unknown, collection: string, fields: FieldDefinition[], errors: ErrorBag): IndexDefinition[] {
  if (!Array.isArray(raw)) {
    errors.add('indexes', 'invalid_type', 'must be an array');
    return [];
  }
  if (raw.length > maxIndexes) errors.add('indexes', 'too_many', `at most ${maxIndexes} indexes`);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const parsed: Array<IndexDefinition & { path: string }> = [];
  raw.forEach((ix, i) => {
    const path = `indexes.${i}`;
    if (!isObject(ix)) return errors.add(path, 'invalid_type', 'must be an object');
    for (const key of Object.keys(ix)) {
      if (!indexKeys.has(key)) errors.add(`${path}.${key}`, 'unknown_option', `'${key}' is not an index option (name, fields, unique)`);
    }
    if (ix.name !== undefined && (typeof ix.name !== 'string' || !namePattern.test(ix.name))) {
      errors.add(`${path}.name`, 'invalid_name', 'must start with a lowercase letter and contain only a-z, 0-9 and _ (at most 63 characters)');
    }
    if (ix.unique !== undefined && typeof ix.unique !== 'boolean') errors.add(`${path}.unique`, 'invalid_type', 'must be true or false');
    const list = ix.fields;
    if (!Array.isArray(list) || list.length === 0 || list.length > maxIndexFields) {
      return errors.add(`${path}.fields`, 'invalid_type', `must be a non-empty array of at most ${maxIndexFields} field names`);
    }
    const seen = new Set<string>();
    for (const entry of list) {
      const name = typeof entry === 'string' ? entry.replace(/^-/, '') : undefined;
      const field = name === undefined ? undefined : byName.get(name);
      const isSystem = name !== undefined && (systemFields as readonly string[]).includes(name);
      if (name === undefined || (!field && !isSystem)) {
        return errors.add(`${path}.fields`, 'unknown_field', `'${String(entry)}' is not a field of the collection`);
      }
      if (seen.has(name)) return errors.add(`${path}.fields`, 'duplicate_field', `'${name}' appears twice`);
      seen.add(name);
      if (ix.unique === true && field && (field.type === 'json' || field.multiple)) {
        return errors.add(`${path}.fields`, 'not_indexable', `'${name}' cannot be part of a unique index (json and multiple fields)`);
      }
    }
    const out: IndexDefinition & { path: string } = { path, fields: [...(list as string[])] };
    if (typeof ix.name === 'string') out.name = ix.name;
    if (ix.unique === true) out.unique = true;
    parsed.push(out);
  });
  return nameIndexes(parsed, collection, errors);
}

/** Explicit names must be unique; generated ones step aside (`_2`, `_3`, ...). */
function nameIndexes(list: Array<IndexDefinition & { path?: string }>, collection: string, errors: ErrorBag): IndexDefinition[] {
  const taken = new Set<string>();
  for (const ix of list) {
    if (ix.name === undefined) continue;
    if (taken.has(ix.name)) errors.add(`${ix.path ?? 'indexes'}.name`, 'duplicate_name', `index name '${ix.name}' is used twice`);
    taken.add(ix.name);
  }
  return list.map((ix) => {
    let name = ix.name;
    if (name === undefined) {
      const base = defaultIndexName(collection, ix.fields);
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base.slice(0, 63 - `_${n}`.length)}_${n}`;
      taken.add(name);
    }
    const out: IndexDefinition = { name, fields: ix.fields };
    if (ix.unique) out.unique = true;
    return out;
  });
}

/**
 * Keeps the existing indexes through a PATCH that does not send `indexes`:
 * renamed fields are followed (by field id), indexes over removed fields are
 * dropped (as a database drops them with the column), and generated names
 * follow a collection rename.
 */
function carryIndexes(
  existing: CollectionDefinition,
  collection: string,
  fields: FieldDefinition[],
  errors: ErrorBag,
): IndexDefinition[] {
  const newNameById = new Map(fields.filter((f) => f.id).map((f) => [f.id as string, f.name]));
  const oldById = new Map(existing.fields.map((f) => [f.name, f.id]));
  const kept: IndexDefinition[] = [];
  for (const ix of existing.indexes) {
    const mapped: string[] = [];
    for (const entry of ix.fields) {
      const desc = entry.startsWith('-');
      const name = desc ? entry.slice(1) : entry;
      if ((systemFields as readonly string[]).includes(name)) {
        mapped.push(entry);
        continue;
      }
      const id = oldById.get(name);
      const now = id ? newNameById.get(id) : fields.some((f) => f.name === name) ? name : undefined;
      if (now === undefined) break;
      mapped.push(desc ? `-${now}` : now);
    }
    if (mapped.length !== ix.fields.length) continue;
    const generated = ix.name === undefined || ix.name === defaultIndexName(existing.name, ix.fields);
    kept.push({ ...ix, name: generated ? undefined : ix.name, fields: mapped });
  }
  return nameIndexes(kept, collection, errors);
}

/** Checks `search`: distinct text, email or url fields of the collection. */
function parseSearchFields(raw: unknown, fields: FieldDefinition[], errors: ErrorBag): string[] {
  if (!Array.isArray(raw) || raw.length > maxSearchFields || !raw.every((n) => typeof n === 'string')) {
    errors.add('search', 'invalid_type', `must be an array of at most ${maxSearchFields} field names`);
    return [];
  }
  const out: string[] = [];
  for (const name of raw as string[]) {
    const field = fields.find((f) => f.name === name);
    if (!field) errors.add('search', 'unknown_field', `'${name}' is not a field of the collection`);
    else if (!searchableTypes.includes(field.type)) {
      errors.add('search', 'not_searchable', `'${name}' is a ${field.type} field; search reads ${searchableTypes.join(', ')} fields`);
    } else if (out.includes(name)) errors.add('search', 'duplicate_field', `'${name}' appears twice`);
    else out.push(name);
  }
  return out;
}

/** Keeps `search` through a PATCH that does not send it: renames are followed (by field id), removed fields drop out. */
function carrySearchFields(existing: CollectionDefinition, fields: FieldDefinition[]): string[] {
  const idOf = new Map(existing.fields.map((f) => [f.name, f.id]));
  return (existing.search ?? []).flatMap((name) => {
    const id = idOf.get(name);
    const now = fields.find((f) => (id ? f.id === id : f.name === name));
    return now && searchableTypes.includes(now.type) ? [now.name] : [];
  });
}

/**
 * Validates a collection definition: a create body (`{name, fields?, rules?,
 * indexes?, search?}`) or, with `existing`, a PATCH body applied onto it. A PATCH may
 * rename the collection, replace `fields` (matched by id, then name; unmatched
 * existing fields are removed), merge `rules` and replace `indexes` and `search`
 * (`search: null` makes the collection unsearchable).
 *
 * Returns the definition in canonical form: every field has an id, options
 * that equal their default are left out, every index has a name, all five
 * rules are present (missing ones are null: service role and admins only).
 *
 * Throws SchemaError listing every problem.
 */
export function normalizeCollection(input: unknown, existing?: CollectionDefinition): CollectionDefinition {
  const errors = new ErrorBag();
  if (!isObject(input)) {
    throw new SchemaError({ body: { code: 'invalid_type', message: 'the collection definition must be a JSON object' } });
  }
  for (const key of Object.keys(input)) {
    if (!collectionKeys.has(key) && !readOnlyCollectionKeys.has(key)) {
      errors.add(key, 'unknown_key', `'${key}' is not part of a collection definition (name, fields, rules, indexes, search)`);
    }
  }

  let name = existing?.name ?? '';
  if (input.name !== undefined || !existing) {
    const problem = checkName(input.name, 'collection');
    if (problem) errors.add('name', input.name === undefined ? 'required' : problem.code, input.name === undefined ? 'is required' : problem.message);
    else name = input.name as string;
  }

  let fields: FieldDefinition[] = existing ? existing.fields.map((f) => ({ ...f })) : [];
  if (input.fields !== undefined) {
    if (!Array.isArray(input.fields)) {
      errors.add('fields', 'invalid_type', 'must be an array');
    } else {
      if (input.fields.length > maxFields) errors.add('fields', 'too_many', `at most ${maxFields} fields`);
      const parsed: ParsedField[] = [];
      const seenNames = new Map<string, number>();
      input.fields.forEach((raw, index) => {
        const field = parseField(raw, `fields.${index}`, errors);
        if (!field) return;
        const first = seenNames.get(field.name);
        if (first !== undefined) {
          errors.add(`fields.${index}.name`, 'duplicate_name', `'${field.name}' is already field ${first}`);
          return;
        }
        seenNames.set(field.name, index);
        parsed.push({ index, rawId: (raw as Record<string, unknown>).id, field });
      });
      fields = resolveFields(parsed, existing?.fields ?? [], errors);
    }
  }

  const rules = parseRules(input.rules, existing?.rules ?? emptyRules(), errors);

  let indexes: IndexDefinition[];
  if (input.indexes !== undefined) indexes = parseIndexes(input.indexes, name, fields, errors);
  else if (existing) indexes = carryIndexes(existing, name, fields, errors);
  else indexes = [];

  let search: string[] = [];
  if (input.search !== undefined && input.search !== null) search = parseSearchFields(input.search, fields, errors);
  else if (existing && input.search === undefined) search = carrySearchFields(existing, fields);

  if (!errors.empty) throw new SchemaError(errors.fields);
  const out: CollectionDefinition = { name, fields, rules, indexes };
  if (search.length) out.search = search;
  if (existing?.createdAt) out.createdAt = existing.createdAt;
  if (existing?.updatedAt) out.updatedAt = existing.updatedAt;
  return out;
}

/** All rules locked: only the service role and admins. */
function emptyRules(): CollectionRules {
  return { list: null, view: null, create: null, update: null, delete: null };
}
