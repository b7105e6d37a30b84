/**
 * Text both engines store exactly as given. PostgreSQL refuses NUL in text and
 * `\u0000` in jsonb, and neither engine keeps a lone UTF-16 surrogate (SQLite
 * stores U+FFFD in its place, PostgreSQL refuses it): so such strings are
 * refused everywhere with a 400 instead of being changed or answered with a 500.
 */

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored faithfully (code and message for the API), or null when it can. */
export function unstorableText(text: string): { code: 'nul_character' | 'lone_surrogate'; message: string } | null {
  if (text.includes('\0')) return { code: 'nul_character', message: 'may not contain the NUL character (U+0000)' };
  if (loneSurrogate.test(text)) {
    return { code: 'lone_surrogate', message: 'may not contain an unpaired UTF-16 surrogate (it has no UTF-8 form)' };
  }
  return null;
}
