import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** One message the catcher received, decoded enough to read. */
export interface CaughtMail {
  from: string;
  to: string[];
  subject: string;
  /** The decoded text/plain part. */
  text: string;
  /** The decoded text/html part, if any. */
  html?: string;
  raw: string;
}

/** A real SMTP server in the test process (plain, no auth) that keeps what it receives. */
export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`, for the instance's smtpUrl. */
  url: string;
  messages: CaughtMail[];
  /** Messages to an address, oldest first. */
  to(address: string): CaughtMail[];
  close(): Promise<void>;
}

/** Starts a catcher on 127.0.0.1, port 0. */
export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          ...parseMessage(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    to: (address) => messages.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers (unfolded, lowercased names) and body of a MIME entity. */
function splitEntity(entity: string): { headers: Map<string, string>; body: string } {
  const at = entity.indexOf('\r\n\r\n');
  const head = at < 0 ? entity : entity.slice(0, at);
  const body = at < 0 ? '' : entity.slice(at + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** Quoted-printable: soft line breaks (`=\r\n`) join lines, `=XX` is one byte (UTF-8 sequences span several). */
export function decodeQuotedPrintable(s: string): string {
  const joined = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** Finds the text and HTML parts, walking multipart bodies. */
function parseMessage(raw: string): { subject: string; text: string; html?: string } {
  const top = splitEntity(raw);
  const found: { text?: string; html?: string } = {};
  const walk = (headers: Map<string, string>, body: string): void => {
    const type = headers.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      for (const part of body.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const entity = splitEntity(part.replace(/^\r\n/, ''));
        walk(entity.headers, entity.body);
      }
    } else if (/^text\/html/i.test(type)) found.html ??= decodeBody(headers, body);
    else if (/^text\/plain/i.test(type)) found.text ??= decodeBody(headers, body);
  };
  walk(top.headers, top.body);
  return { subject: top.headers.get('subject') ?? '', text: found.text ?? '', html: found.html };
}
