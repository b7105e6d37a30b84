/** A value `filter` can place in an expression. */
export type FilterValue = FilterScalar | readonly FilterScalar[];

/** One literal of the language (lists hold only these). */
export type FilterScalar = string | number | boolean | null | Date;

/**
 * Builds a filter from a template and values: every `{:name}` becomes the
 * literal of `params.name`, quoted and escaped, so user input stays a value
 * and can never change the expression:
 *
 *   client.filter('title ~ {:q} && owner = {:me}', { q: "it's", me: user.id })
 *   // title ~ 'it\'s' && owner = '01j...'
 *
 * Dates become ISO strings, arrays list literals (`status in {:states}`).
 * A placeholder without a value, `undefined`, NaN or Infinity is a TypeError.
 */
export function filter(template: string, params: Record<string, FilterValue | undefined> = {}): string {
  return template.replace(/\{:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name) || params[name] === undefined) {
      throw new TypeError(`filter: no value for {:${name}}`);
    }
    const value = params[name] as FilterValue;
    return Array.isArray(value) ? `[${value.map((item) => literal(item, name)).join(', ')}]` : literal(value as FilterScalar, name);
  });
}

function literal(value: FilterScalar, name: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`filter: {:${name}} is ${value}, not a finite number`);
    return String(value);
  }
  if (typeof value === 'string') return quote(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`filter: {:${name}} is an invalid Date`);
    return quote(value.toISOString());
  }
  throw new TypeError(`filter: {:${name}} must be a string, number, boolean, null, Date or a list of them`);
}

/** A single-quoted string literal of the rule language. */
function quote(value: string): string {
  return `'${value.replace(/[\\'\n\r\t]/g, (ch) => escapes[ch])}'`;
}

const escapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };
