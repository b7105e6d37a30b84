import type { Config } from '../config.ts';
import type { Mailer } from './mailer.ts';
import { OutboxMailer } from './outbox.ts';
import { SmtpMailer } from './smtp.ts';

export type { Mailer, MailMessage, MailLogger } from './mailer.ts';
export { listOutbox, type OutboxEntry } from './outbox.ts';

/** SMTP when `smtpUrl` is configured, else the development outbox. */
export function createMailer(config: Config): Mailer {
  return config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.smtpFrom) : new OutboxMailer();
}
