import { sql } from 'drizzle-orm';
import { checkEmailTemplate, defaultEmailTemplates, emailKinds, emailPlaceholders, type EmailKind, type EmailTemplate, type EmailTemplateInfo } from '@baas/protocol';
import type { Database } from '../../db/database.ts';
import { ApiError } from '../../errors.ts';

// One `_settings` row `mail.template.<kind>` holding {subject, body}: no row is the default.
const PREFIX = 'mail.template.';

/** The template the mailer uses for `kind`: the project's, or the default. */
export async function emailTemplateOf(db: Database, kind: EmailKind): Promise<EmailTemplate> {
  const row = await db.get<{ value: string }>(sql`SELECT value FROM ${db.table('_settings')} WHERE key = ${PREFIX + kind}`);
  return row ? (JSON.parse(row.value) as EmailTemplate) : defaultEmailTemplates[kind];
}

/** Every kind's template, marked custom or default, with its placeholders and default. */
export async function listEmailTemplates(db: Database): Promise<EmailTemplateInfo[]> {
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
export async function saveEmailTemplate(db: Database, kind: EmailKind, template: EmailTemplate): Promise<EmailTemplateInfo> {
  assertEmailTemplate(kind, template);
  const value = JSON.stringify({ subject: template.subject, body: template.body });
  await db.run(sql`INSERT INTO ${db.table('_settings')} (key, value) VALUES (${PREFIX + kind}, ${value})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  return infoOf(kind, template);
}

/** Back to the default template of `kind`. */
export async function resetEmailTemplate(db: Database, kind: EmailKind): Promise<EmailTemplateInfo> {
  await db.run(sql`DELETE FROM ${db.table('_settings')} WHERE key = ${PREFIX + kind}`);
  return infoOf(kind, undefined);
}

function infoOf(kind: EmailKind, stored: EmailTemplate | undefined): EmailTemplateInfo {
  const fallback = defaultEmailTemplates[kind];
  return { kind, subject: stored?.subject ?? fallback.subject, body: stored?.body ?? fallback.body, custom: !!stored, placeholders: [...emailPlaceholders[kind]], default: { ...fallback } };
}
