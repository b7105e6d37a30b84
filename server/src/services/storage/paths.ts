import { unstorableText } from '@baas/protocol';
import { ApiError } from '../../errors.ts';

/** Longest object path, in UTF-8 bytes (S3's key limit). */
export const MAX_PATH_BYTES = 1024;

/** Bucket names: like collection names, plus `-`, so they are safe in URLs and S3-style tooling. */
export const bucketNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function invalid(reason: string, path: string): ApiError {
  return new ApiError('invalid_path', `invalid object path: ${reason}`, { path: path.length > 200 ? `${path.slice(0, 200)}...` : path });
}

/**
 * Decodes the object path as it appeared in the URL (still percent-encoded)
 * and validates it. Encoded separators and dots are judged before decoding:
 * `%2f` inside a segment would otherwise turn one segment into two, and a
 * client could hide `..` from a check that ran on the raw form.
 *
 * Object paths never reach the filesystem or an S3 key (blobs are stored
 * under generated keys), so these rules keep names portable and unambiguous
 * rather than being the only barrier against traversal.
 */
export function objectPathFromUrl(raw: string): string {
  if (/%(2f|5c|00)/i.test(raw)) throw invalid('encoded "/", "\\" or NUL', raw);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw invalid('malformed percent-encoding', raw);
  }
  return validateObjectPath(decoded);
}

/**
 * Checks a decoded object path: relative, `/`-separated, no empty, `.` or
 * `..` segments, no backslashes, no NUL or control characters, at most
 * MAX_PATH_BYTES. Returns it unchanged (never "fixed": a rewritten path
 * would name a different object than the client meant).
 */
export function validateObjectPath(path: string): string {
  if (path === '') throw invalid('empty', path);
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) throw invalid(`longer than ${MAX_PATH_BYTES} bytes`, path);
  // C0 controls (NUL included), DEL and C1 controls break logs, headers and tools.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) throw invalid('control characters are not allowed', path);
  if (path.includes('\\')) throw invalid('backslashes are not allowed', path);
  if (path.startsWith('/')) throw invalid('must be relative (no leading "/")', path);
  // Lone surrogates cannot be encoded as UTF-8: they would be replaced, silently changing the name.
  if (unstorableText(path)) throw invalid('not valid Unicode', path);
  for (const segment of path.split('/')) {
    if (segment === '') throw invalid('empty segment ("//" or a trailing "/")', path);
    if (segment === '.' || segment === '..') throw invalid('"." and ".." segments are not allowed', path);
  }
  return path;
}

/** A prefix filter for listing: the same rules, except that it may be empty or end with "/". */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateObjectPath(prefix.endsWith('/') ? `${prefix}x` : prefix);
  return prefix;
}

/** The path as a URL suffix: each segment percent-encoded, separators kept. */
export function encodeObjectPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
