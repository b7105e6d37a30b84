import type { MailMessage } from './mailer.ts';

/** The kinds of auth email; each is also the `type` carried by its link. */
export type EmailKind = 'verify_email' | 'password_reset' | 'magic_link' | 'email_change';

/** What a template needs: who it is from, where the link goes, and how long it lasts. */
export interface TemplateInput {
  projectName: string;
  link: string;
  /** Seconds until the link (and code) expire. */
  ttl: number;
  /** The short code of a magic link, typed instead of following the link. */
  code?: string;
  /** The new address of an email change. */
  newEmail?: string;
}

interface Wording {
  subject: string;
  intro: string;
  action: string;
  ignore: string;
}

// Plain sentences, no project-controlled markup: the project name is escaped in the HTML part.
const wording: Record<EmailKind, (i: TemplateInput) => Wording> = {
  verify_email: (i) => ({
    subject: `Confirm your email for ${i.projectName}`,
    intro: `Please confirm your email address for ${i.projectName}.`,
    action: 'Confirm email',
    ignore: 'If you did not sign up, you can ignore this message.',
  }),
  password_reset: (i) => ({
    subject: `Reset your ${i.projectName} password`,
    intro: `Someone (hopefully you) asked to reset the password of your ${i.projectName} account.`,
    action: 'Choose a new password',
    ignore: 'If you did not ask for this, you can ignore this message: your password stays as it is.',
  }),
  magic_link: (i) => ({
    subject: `Your sign-in link for ${i.projectName}`,
    intro: `Use this link to sign in to ${i.projectName}.`,
    action: 'Sign in',
    ignore: 'If you did not ask to sign in, you can ignore this message.',
  }),
  email_change: (i) => ({
    subject: `Confirm your new email for ${i.projectName}`,
    intro: `Please confirm ${i.newEmail ?? 'this address'} as the new email of your ${i.projectName} account.`,
    action: 'Confirm new email',
    ignore: 'If you did not ask for this, you can ignore this message: nothing changes.',
  }),
};

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

/** The message of one auth email (plain text and a simple HTML alternative); `to` is filled in by the caller. */
export function renderAuthEmail(kind: EmailKind, input: TemplateInput): Omit<MailMessage, 'to'> {
  const w = wording[kind](input);
  const expiry = `This ${input.code ? 'link and code expire' : 'link expires'} in ${describeTtl(input.ttl)}.`;
  const text = [
    w.intro,
    '',
    `${w.action}: ${input.link}`,
    ...(input.code ? ['', `Or enter this code: ${input.code}`] : []),
    '',
    expiry,
    w.ignore,
    '',
    `- ${input.projectName}`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    `<p>${escapeHtml(w.intro)}</p>`,
    `<p><a href="${escapeHtml(input.link)}">${escapeHtml(w.action)}</a></p>`,
    ...(input.code ? [`<p>Or enter this code: <strong style="font-size: 1.4em; letter-spacing: 0.2em">${escapeHtml(input.code)}</strong></p>`] : []),
    `<p>${escapeHtml(expiry)} ${escapeHtml(w.ignore)}</p>`,
    `<p>&mdash; ${escapeHtml(input.projectName)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: w.subject, text, html };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
