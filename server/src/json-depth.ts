/**
 * How deeply a request's JSON may nest. Deeper input is refused at the edge
 * (HTTP bodies, realtime frames): every later step that walks a value
 * recursively (validation, JSON.stringify into a column, the change log, a
 * presence sync) would otherwise overflow the stack on it, and a 1 MiB body
 * can nest half a million levels. Firestore allows 20 levels of maps; 64
 * leaves room for any document a person designs.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `max`. One linear
 * pass over the text, before it is parsed: brackets inside strings do not
 * count. Malformed text is left to the parser to refuse.
 */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
