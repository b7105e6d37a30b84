/**
 * Query parameters whose values are secrets: signed-URL and email tokens,
 * keys, passwords, OAuth codes and states. Their values never reach a log
 * line or the request log; the names stay, so a line still shows the shape
 * of the request.
 */
const secretName = /token|key|password|secret|code|state|signature|sig$|auth/i;

/** `url` with the value of every secret query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      // a malformed name is still checked as written
    }
    return eq !== -1 && secretName.test(decoded) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${query.join('&')}`;
}
