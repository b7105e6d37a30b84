import { ApiError } from '../../errors.ts';
import type { ServiceContext } from '../context.ts';
import { renderAuthEmail, type EmailKind } from '../../mail/templates.ts';
import { emailTemplateOf } from './email-templates.ts';
import { issueEmailToken } from './email-tokens.ts';
import { getAuthSettings, isAllowedRedirect, type AuthSettings } from './settings.ts';
import { findUserByEmail, getUser, normalizeEmail } from './users.ts';

/**
 * Checks a requested redirect target before anything else happens: a target
 * the project does not allow is a 400 (it depends only on the input, so it
 * says nothing about the address). Answers the settings, read once.
 */
export async function checkRedirect(ctx: ServiceContext, redirectTo: string | undefined): Promise<AuthSettings> {
  const settings = await getAuthSettings(ctx.db);
  if (redirectTo !== undefined && !isAllowedRedirect(settings, redirectTo)) {
    throw new ApiError('validation_failed', 'redirectTo is not an allowed redirect URL of this project', {
      fields: { redirectTo: { code: 'not_allowed', message: 'is not the site URL or one of the redirect URLs in the auth settings' } },
    });
  }
  return settings;
}

/**
 * The link of an email: `<base>#type=<kind>&token=<token>`. The base is the
 * allowed `redirectTo`, else the project's siteUrl, else the public URL. The
 * token rides in the fragment, which browsers never send to a server: it stays
 * out of access logs and Referer headers; the app reads `location.hash` and
 * posts the token to the matching confirm endpoint.
 */
export function emailLink(base: string, kind: EmailKind, token: string): string {
  const url = new URL(base);
  url.hash = new URLSearchParams({ type: kind, token }).toString();
  return url.toString();
}

async function issueAndSend(
  ctx: ServiceContext,
  settings: AuthSettings,
  input: { kind: EmailKind; to: string; userId: string | null; redirectTo?: string; withCode?: boolean; newEmail?: string },
): Promise<void> {
  const issued = await issueEmailToken(ctx.db, {
    kind: input.kind, userId: input.userId, email: input.to, ttl: settings.emailTokenTtl, redirectTo: input.redirectTo, withCode: input.withCode,
  });
  // Without an app URL, the link opens the server's own page for it (the dashboard's /_/auth/<project>).
  const link = emailLink(input.redirectTo ?? settings.siteUrl ?? hostedLinkPage(ctx.publicUrl, ctx.project.id), input.kind, issued.token);
  const template = await emailTemplateOf(ctx, input.kind);
  const message = renderAuthEmail(input.kind, { projectName: ctx.project.name, link, ttl: settings.emailTokenTtl, email: input.to, code: issued.code, newEmail: input.newEmail }, template);
  await ctx.mailer.send(ctx.project, { to: input.to, ...message }, ctx.log);
}

/** Mails a verification link to the address if it belongs to an active, unverified user; otherwise does nothing. */
export async function sendVerificationEmail(ctx: ServiceContext, settings: AuthSettings, email: string, redirectTo?: string): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user?.email || user.verified || user.disabled) return;
  await issueAndSend(ctx, settings, { kind: 'verify_email', to: user.email, userId: user.id, redirectTo });
}

/** Mails a password-reset link to the address if it belongs to an active user; otherwise does nothing. */
export async function sendPasswordReset(ctx: ServiceContext, settings: AuthSettings, email: string, redirectTo?: string): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user?.email || user.disabled) return;
  await issueAndSend(ctx, settings, { kind: 'password_reset', to: user.email, userId: user.id, redirectTo });
}

/**
 * Mails a magic link with a six-digit code. An address without an account
 * gets one too when `createUser` is true (the account is created when the
 * link is used, not now, so typing someone's address creates nothing).
 */
export async function sendMagicLink(
  ctx: ServiceContext,
  settings: AuthSettings,
  email: string,
  options: { redirectTo?: string; createUser: boolean },
): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (user?.disabled || (!user && !options.createUser)) return;
  const to = user?.email ?? normalizeEmail(email);
  await issueAndSend(ctx, settings, { kind: 'magic_link', to, userId: user?.id ?? null, redirectTo: options.redirectTo, withCode: true });
}

/**
 * Mails a confirmation link to the NEW address of a user's email change,
 * unless another account has that address (then nothing is sent, and the
 * caller still gets the same answer).
 */
export async function sendEmailChange(ctx: ServiceContext, settings: AuthSettings, userId: string, newEmail: string, redirectTo?: string): Promise<void> {
  const user = await getUser(ctx.db, userId);
  if (!user || user.disabled) return;
  const to = normalizeEmail(newEmail);
  if (to === user.email) return;
  const taken = await findUserByEmail(ctx.db, to);
  if (taken) return;
  await issueAndSend(ctx, settings, { kind: 'email_change', to, userId: user.id, redirectTo, newEmail: to });
}

/** The server's own page for email links of a project without an app URL (served by the dashboard). */
function hostedLinkPage(publicUrl: string, project: string): string {
  return `${publicUrl}/_/auth/${encodeURIComponent(project)}`;
}
