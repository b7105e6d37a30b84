// Auth email templates: the kinds, their placeholders, the defaults, the
// check and the rendering. Here rather than in the server so the dashboard's
// live preview renders with the very code the mailer uses.
import { unstorableText } from './text.ts';

/** The kinds of auth email; each is also the `type` carried by its link. */
export const emailKinds = ['verify_email', 'magic_link', 'password_reset', 'email_change'] as const;
export type EmailKind = (typeof emailKinds)[number];

/** A template: a one-line subject and a plain-text body, both with `{{placeholders}}`. */
export interface EmailTemplate {
  subject: string;
  body: string;
}

/** A project's template of one kind as the API answers it. */
export interface EmailTemplateInfo extends EmailTemplate {
  kind: EmailKind;
  /** Whether the project set it (false: `subject` and `body` are the defaults). */
  custom: boolean;
  /** The placeholders this kind offers, without braces. */
  placeholders: string[];
  default: EmailTemplate;
}

/** What each placeholder stands for (the dashboard lists them). */
export const placeholderMeaning: Record<string, string> = {
  app: 'the project name',
  link: 'the link to follow (required)',
  code: 'the six-digit code, typed instead of following the link',
  email: 'the recipient address',
  new_email: 'the new address of the change',
  expires: 'how long the link lasts, e.g. "1 hour"',
};

/** The placeholders each kind offers; anything else in a template is refused. */
export const emailPlaceholders: Record<EmailKind, readonly string[]> = {
  verify_email: ['app', 'link', 'email', 'expires'],
  magic_link: ['app', 'link', 'code', 'email', 'expires'],
  password_reset: ['app', 'link', 'email', 'expires'],
  email_change: ['app', 'link', 'email', 'new_email', 'expires'],
};

/** The placeholder a body must hold: an auth email without its link is no use. */
export const requiredPlaceholder = 'link';

const body = (intro: string, action: string, expiry: string, ignore: string) =>
  `${intro}\n\n${action}: {{link}}\n\n${expiry}\n${ignore}\n\n- {{app}}\n`;

/** The templates of a project that set none. */
export const defaultEmailTemplates: Record<EmailKind, EmailTemplate> = {
  verify_email: {
    subject: 'Confirm your email for {{app}}',
    body: body('Please confirm your email address for {{app}}.', 'Confirm email', 'This link expires in {{expires}}.', 'If you did not sign up, you can ignore this message.'),
  },
  magic_link: {
    subject: 'Your sign-in link for {{app}}',
    body: body('Use this link to sign in to {{app}}.', 'Sign in', 'Or enter this code: {{code}}\n\nThis link and code expire in {{expires}}.', 'If you did not ask to sign in, you can ignore this message.'),
  },
  password_reset: {
    subject: 'Reset your {{app}} password',
    body: body('Someone (hopefully you) asked to reset the password of your {{app}} account.', 'Choose a new password', 'This link expires in {{expires}}.', 'If you did not ask for this, you can ignore this message: your password stays as it is.'),
  },
  email_change: {
    subject: 'Confirm your new email for {{app}}',
    body: body('Please confirm {{new_email}} as the new email of your {{app}} account.', 'Confirm new email', 'This link expires in {{expires}}.', 'If you did not ask for this, you can ignore this message: nothing changes.'),
  },
};

/** Longest subject and body, in characters. */
export const templateLimits = { subject: 200, body: 20_000 };

/** A problem of one part of a template, with where it is (1-based line and column). */
export interface TemplateProblem {
  code: 'unknown_placeholder' | 'unclosed_placeholder' | 'missing_placeholder' | 'newline_in_subject' | 'too_long' | 'empty' | 'nul_character' | 'lone_surrogate';
  message: string;
  line?: number;
  column?: number;
}

// `{{ name }}`; a `{{` that does not start one is a typo (`{{link}`, `{{ Link }}`), not text.
const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/y;

type Piece = { text: string } | { name: string };

/** The template as text and placeholders, or the first problem. */
function parse(source: string, allowed: readonly string[]): Piece[] | TemplateProblem {
  const pieces: Piece[] = [];
  let at = 0;
  for (let open = source.indexOf('{{'); open !== -1; open = source.indexOf('{{', at)) {
    if (open > at) pieces.push({ text: source.slice(at, open) });
    PLACEHOLDER.lastIndex = open;
    const match = PLACEHOLDER.exec(source);
    const where = position(source, open);
    if (!match) return { code: 'unclosed_placeholder', message: `'{{' does not start a placeholder like {{link}} at ${where.text}`, ...where.at };
    if (!allowed.includes(match[1])) {
      return { code: 'unknown_placeholder', message: `{{${match[1]}}} is not a placeholder of this email (at ${where.text}); it has ${allowed.map((p) => `{{${p}}}`).join(', ')}`, ...where.at };
    }
    pieces.push({ name: match[1] });
    at = PLACEHOLDER.lastIndex;
  }
  if (at < source.length) pieces.push({ text: source.slice(at) });
  return pieces;
}

function position(source: string, offset: number) {
  const before = source.slice(0, offset).split('\n');
  const at = { line: before.length, column: before.at(-1)!.length + 1 };
  return { at, text: `line ${at.line}, column ${at.column}` };
}

/** The problems of a template of `kind`, by part (empty when it is fine). */
export function checkEmailTemplate(kind: EmailKind, template: EmailTemplate): Partial<Record<keyof EmailTemplate, TemplateProblem>> {
  const allowed = emailPlaceholders[kind];
  const problems: Partial<Record<keyof EmailTemplate, TemplateProblem>> = {};
  for (const part of ['subject', 'body'] as const) {
    const source = template[part];
    const unstorable = unstorableText(source);
    if (unstorable) problems[part] = { code: unstorable.code, message: `the ${part} ${unstorable.message}` };
    else if (!source.trim()) problems[part] = { code: 'empty', message: `the ${part} is empty` };
    else if (source.length > templateLimits[part]) problems[part] = { code: 'too_long', message: `the ${part} is longer than ${templateLimits[part]} characters` };
    else if (part === 'subject' && /[\r\n]/.test(source)) problems[part] = { code: 'newline_in_subject', message: 'the subject is one line' };
    else {
      const parsed = parse(source, allowed);
      if (!Array.isArray(parsed)) problems[part] = parsed;
      else if (part === 'body' && !parsed.some((p) => 'name' in p && p.name === requiredPlaceholder)) {
        problems[part] = { code: 'missing_placeholder', message: `the body needs {{${requiredPlaceholder}}}: without it the email cannot be used` };
      }
    }
  }
  return problems;
}

/** The message of a template filled with `values`: subject, plain text, and an HTML alternative. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Fills a template (checked first: an invalid one throws). The HTML part is
 * the text escaped, paragraphs at blank lines, and `{{link}}` as a link: no
 * markup from the template or the values reaches it.
 */
export function renderEmailTemplate(kind: EmailKind, template: EmailTemplate, values: Partial<Record<string, string>>): RenderedEmail {
  const pieces = (source: string) => {
    const parsed = parse(source, emailPlaceholders[kind]);
    if (!Array.isArray(parsed)) throw new Error(parsed.message);
    return parsed;
  };
  const text = (source: string) => pieces(source).map((p) => ('text' in p ? p.text : (values[p.name] ?? ''))).join('');
  const html = pieces(template.body)
    .map((p) => {
      if ('text' in p) return escapeHtml(p.text);
      const value = escapeHtml(values[p.name] ?? '');
      return p.name === 'link' ? `<a href="${value}">${value}</a>` : value;
    })
    .join('')
    .trim()
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.replace(/\n/g, '<br>\n')}</p>`);
  return {
    subject: text(template.subject).replace(/\s+/g, ' ').trim(),
    text: text(template.body),
    html: ['<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">', ...html, '</body></html>'].join('\n'),
  };
}

/** Markup-safe text: `&<>"'` as numeric entities. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "15 minutes", "1 hour", "2 days": how long a link lasts, for people. */
export function describeTtl(seconds: number): string {
  const units: Array<[number, string]> = [[86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  if (seconds >= 60) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** Values for a preview or a test mail: a link that looks real and opens nothing. */
export function sampleEmailValues(kind: EmailKind, app: string, ttl: number, base = 'https://app.example.com/'): Record<string, string> {
  return {
    app,
    link: `${base}#type=${kind}&token=this-is-a-sample-not-a-token`,
    code: '123456',
    email: 'ann@example.com',
    new_email: 'ann.new@example.com',
    expires: describeTtl(ttl),
  };
}
