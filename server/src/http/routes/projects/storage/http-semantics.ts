/**
 * The HTTP details of serving an object: Range, If-None-Match and
 * Content-Disposition. Pure functions, so the edge cases have table tests.
 */

/** The outcome of a Range header against a size. */
export type RangeResult = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range (first-last, first-, or -suffix), clamped to the size.
 * Other units and multiple ranges are ignored (a full reply is allowed by RFC
 * 9110 and keeps multipart/byteranges out); a malformed or unsatisfiable
 * bytes range is 416.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: 'full' };
  const spec = match[1].trim();
  if (spec.includes(',')) return { kind: 'full' };
  const parts = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!parts || (parts[1] === '' && parts[2] === '')) return { kind: 'unsatisfiable' };
  if (parts[1] === '') {
    const suffix = Number(parts[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(parts[1]);
  const end = parts[2] === '' ? size - 1 : Math.min(Number(parts[2]), size - 1);
  if (start >= size || Number(parts[2] || start) < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** Whether If-None-Match names this (strong) etag; weak validators match too, as RFC 9110 asks for GET. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${etag}"`);
}

/**
 * `attachment` with the name twice: an ASCII fallback in `filename` (quotes,
 * backslashes, controls and non-ASCII replaced by `_`) and the exact name in
 * `filename*` (RFC 5987/8187 percent-encoding), so no name can break the header.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_') || 'download';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
