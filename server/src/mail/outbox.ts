import { sql } from 'drizzle-orm';
import type { OutboxEntry } from '@baas/protocol';
import type { Database } from '../db/database.ts';
import type { ProjectHandle } from '../db/registry.ts';
import { newId, nowIso } from '../ids.ts';
import { BaseMailer, silentLogger, type MailLogger, type MailMessage } from './mailer.ts';

/** A message as the outbox lists it (the wire type). */
export type { OutboxEntry } from '@baas/protocol';

/** Stores a message in the project's `_outbox`, with the outcome of sending it if there was one. */
export async function recordMessage(db: Database, message: MailMessage, outcome: { sentAt?: string; error?: string } = {}): Promise<string> {
  const id = newId();
  await db.run(sql`INSERT INTO ${db.table('_outbox')} (id, recipient, subject, text, html, created_at, sent_at, error)
    VALUES (${id}, ${message.to}, ${message.subject}, ${message.text}, ${message.html ?? null}, ${nowIso()}, ${outcome.sentAt ?? null}, ${outcome.error ?? null})`);
  return id;
}

/** The latest messages, newest first. */
export async function listOutbox(db: Database, limit: number): Promise<OutboxEntry[]> {
  const rows = await db.all<{ id: string; recipient: string; subject: string; text: string; html: string | null; created_at: string; sent_at: string | null; error: string | null }>(
    sql`SELECT id, recipient, subject, text, html, created_at, sent_at, error FROM ${db.table('_outbox')} ORDER BY id DESC LIMIT ${limit}`,
  );
  return rows.map((r) => ({ id: r.id, to: r.recipient, subject: r.subject, text: r.text, html: r.html, createdAt: r.created_at, sentAt: r.sent_at, error: r.error }));
}

/**
 * The development mailer, used when no SMTP server is configured: the message
 * is stored in the project's `_outbox` and written to the log, so a developer
 * can follow the link without a mail server.
 */
export class OutboxMailer extends BaseMailer {
  readonly delivery = 'outbox';
  async send(project: ProjectHandle, message: MailMessage, log: MailLogger = silentLogger): Promise<void> {
    const id = await recordMessage(project.db, message);
    // Not the text: its links carry sign-in and reset tokens, and logs are kept and shipped. The
    // outbox (dashboard, `GET .../auth/outbox`) shows the message.
    log.info({ project: project.id, outboxId: id, to: message.to, subject: message.subject }, 'email stored in the outbox (no SMTP configured)');
  }
}
