import { createTransport, type Transporter } from 'nodemailer';
import type { ProjectHandle } from '../db/registry.ts';
import { nowIso } from '../ids.ts';
import { BaseMailer, silentLogger, type MailLogger, type MailMessage } from './mailer.ts';
import { recordMessage } from './outbox.ts';

/**
 * Sends through an SMTP server (nodemailer; options such as `?ignoreTLS=true`
 * may ride on the URL). Every message is also recorded in the project's
 * `_outbox` with `sent_at` or the error, so the dashboard can show what went out.
 */
export class SmtpMailer extends BaseMailer {
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from: string) {
    super();
    this.transport = createTransport(smtpUrl);
  }

  async send(project: ProjectHandle, message: MailMessage, log: MailLogger = silentLogger): Promise<void> {
    try {
      const info = await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
      await recordMessage(project.db, message, { sentAt: nowIso() });
      // Never the text: in production it carries live tokens.
      log.info({ project: project.id, to: message.to, subject: message.subject, messageId: info.messageId }, 'email sent');
    } catch (err) {
      await recordMessage(project.db, message, { error: (err as Error).message }).catch(() => undefined);
      throw err;
    }
  }

  override async close(): Promise<void> {
    await super.close();
    this.transport.close();
  }
}
