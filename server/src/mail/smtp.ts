import { createTransport, type Transporter } from 'nodemailer';
import type { ProjectHandle } from '../db/registry.ts';
import { nowIso } from '../ids.ts';
import { BaseMailer, silentLogger, type MailLogger, type MailMessage } from './mailer.ts';
import { recordMessage } from './outbox.ts';

/**
 * What the outbox keeps of a message sent by SMTP instead of its body: the
 * body carries a live link (and code) whose token the store keeps only
 * hashed, so a copy in `_outbox` would hand it to anyone who reads the
 * database or a backup.
 */
const BODY_NOT_KEPT = '(not kept: sent by SMTP, it carries a live sign-in or confirmation link)';

/**
 * Sends through an SMTP server (nodemailer; options such as `?ignoreTLS=true`
 * may ride on the URL). Every message is also recorded in the project's
 * `_outbox` (recipient, subject, `sent_at` or the error, not the body), so the
 * dashboard can show what went out.
 */
export class SmtpMailer extends BaseMailer {
  readonly delivery = 'smtp';
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from: string) {
    super();
    this.transport = createTransport(smtpUrl);
  }

  async send(project: ProjectHandle, message: MailMessage, log: MailLogger = silentLogger): Promise<void> {
    const record = { to: message.to, subject: message.subject, text: BODY_NOT_KEPT };
    try {
      const info = await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      await recordMessage(project.db, record, { sentAt: nowIso() });
      // Never the text: in production it carries live tokens.
      log.info({ project: project.id, to: message.to, subject: message.subject, messageId: info.messageId }, 'email sent');
    } catch (err) {
      await recordMessage(project.db, record, { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  override async close(): Promise<void> {
    await super.close();
    this.transport.close();
  }
}
