import type { TestMailResult } from '@baas/protocol';
import type { ProjectHandle } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import type { Mailer, MailLogger, MailMessage } from './mailer.ts';

/**
 * Sends a test message through the instance's mail setup, as an auth email
 * would go (and recorded in the outbox like one): a fixed note, or `message`
 * (an email template filled with sample values). An SMTP failure is the
 * answer here, not a log line: the admin asked to find out.
 */
export async function sendTestMail(
  mailer: Mailer,
  project: ProjectHandle,
  to: string,
  log?: MailLogger,
  message: Omit<MailMessage, 'to'> = {
    subject: `baas test mail (${project.name})`,
    text: `This is a test message from baas for the project ${project.name} (${project.id}).\n\nIf you can read it, auth emails of this project reach their recipients.`,
  },
): Promise<TestMailResult> {
  try {
    await mailer.send(project, { to, ...message }, log);
  } catch (err) {
    throw new ApiError('mail_failed', `the SMTP server did not take the message: ${(err as Error).message}`, { reason: (err as Error).message });
  }
  return { delivery: mailer.delivery, to };
}
