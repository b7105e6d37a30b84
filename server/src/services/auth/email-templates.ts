import { sql } from 'drizzle-orm';
import {
  checkEmailTemplate, defaultEmailTemplates, emailKinds, emailPlaceholders, sampleEmailValues, type EmailKind, type EmailTemplate, type EmailTemplateInfo, type TestMailResult,
} from '@baas/protocol';
import type { ServiceContext } from '../context.ts';
import { ApiError } from '../../errors.ts';
import { renderAuthEmail } from '../../mail/templates.ts';
import { sendTestMail } from '../../mail/test-mail.ts';
import { getAuthSettings } from './settings.ts';

// One `_settings` row `mail.template.<kind>` holding {subject, body}: no row is the default.
const PREFIX = 'mail.template.';

/** The template the mailer uses for `kind`: the project's, or the default. */
export async function emailTemplateOf(ctx: ServiceContext, kind: EmailKind): Promise<EmailTemplate> {
  const db = ctx.db;
  const row = await db.get<{ value: string }>(sql`SELECT value FROM ${db.table('_settings')} WHERE key = ${PREFIX + kind}`);
  return row ? (JSON.parse(row.value) as EmailTemplate) : defaultEmailTemplates[kind];
}

/** Every kind's template, marked custom or default, with its placeholders and default. */
export async function listEmailTemplates(ctx: ServiceContext): Promise<EmailTemplateInfo[]> {
  const db = ctx.db;
  const rows = await db.all<{ key: string; value: string }>(sql`SELECT key, value FROM ${db.table('_settings')} WHERE key LIKE ${PREFIX + '%'}`);
  const stored = new Map(rows.map((r) => [r.key.slice(PREFIX.length), JSON.parse(r.value) as EmailTemplate]));
  return emailKinds.map((kind) => infoOf(kind, stored.get(kind)));
}

/** 400 `validation_failed` naming each bad part (`details.fields.subject|body`, with line and column) unless the template is usable. */
export function assertEmailTemplate(kind: EmailKind, template: EmailTemplate): void {
  const fields = checkEmailTemplate(kind, template);
  if (Object.keys(fields).length) throw new ApiError('validation_failed', `invalid ${kind} template: ${Object.values(fields).map((p) => p.message).join('; ')}`, { fields });
}

/** Checks and stores the project's template of `kind`. */
export async function saveEmailTemplate(ctx: ServiceContext, kind: EmailKind, template: EmailTemplate): Promise<EmailTemplateInfo> {
  assertEmailTemplate(kind, template);
  const db = ctx.db;
  const value = JSON.stringify({ subject: template.subject, body: template.body });
  await db.run(sql`INSERT INTO ${db.table('_settings')} (key, value) VALUES (${PREFIX + kind}, ${value})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  return infoOf(kind, template);
}

/** Back to the default template of `kind`. */
export async function resetEmailTemplate(ctx: ServiceContext, kind: EmailKind): Promise<EmailTemplateInfo> {
  await ctx.db.run(sql`DELETE FROM ${ctx.db.table('_settings')} WHERE key = ${PREFIX + kind}`);
  return infoOf(kind, undefined);
}

/** Sends a fixed note through the mail setup (the dashboard's "send test mail"); 502 `mail_failed` when SMTP refuses it. */
export async function sendTestEmail(ctx: ServiceContext, to: string): Promise<TestMailResult> {
  return sendTestMail(ctx.mailer, ctx.project, to, ctx.log);
}

/**
 * Sends the template of `kind` filled with sample values: the saved one, or
 * the draft's subject and body where given (checked first, as a save would).
 */
export async function sendTemplateTest(ctx: ServiceContext, kind: EmailKind, to: string, draft: Partial<EmailTemplate>): Promise<TestMailResult> {
  const saved = await emailTemplateOf(ctx, kind);
  const template = { subject: draft.subject ?? saved.subject, body: draft.body ?? saved.body };
  assertEmailTemplate(kind, template);
  const settings = await getAuthSettings(ctx.db);
  const sample = sampleEmailValues(kind, ctx.project.name, settings.emailTokenTtl, settings.siteUrl ?? undefined);
  const message = renderAuthEmail(kind, { projectName: sample.app, link: sample.link, ttl: settings.emailTokenTtl, email: to, code: sample.code, newEmail: sample.new_email }, template);
  return sendTestMail(ctx.mailer, ctx.project, to, ctx.log, { ...message, subject: `[test] ${message.subject}` });
}

function infoOf(kind: EmailKind, stored: EmailTemplate | undefined): EmailTemplateInfo {
  const fallback = defaultEmailTemplates[kind];
  return { kind, subject: stored?.subject ?? fallback.subject, body: stored?.body ?? fallback.body, custom: !!stored, placeholders: [...emailPlaceholders[kind]], default: { ...fallback } };
}
