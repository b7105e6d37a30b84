import type { TestMailResult } from '@baas/protocol';
import type { ProjectHandle } from '../db/registry.ts';
import { ApiError } from '../errors.ts';
import type { Mailer, MailLogger } from './mailer.ts';

/**
 * Sends a test message through the instance's mail setup, as an auth email
 * would go (and recorded in the outbox like one). An SMTP failure is the
 * answer here, not a log line: the admin asked to find out.
 */
export async function sendTestMail(mailer: Mailer, project: ProjectHandle, to: string, viaSmtp: boolean, log?: MailLogger): Promise<TestMailResult> {
  const text = `This is a test message from baas for the project ${project.name} (${project.id}).\n\nIf you can read it, auth emails of this project reach their recipients.`;
  try {
    await mailer.send(project, { to, subject: `baas test mail (${project.name})`, text }, log);
  } catch (err) {
    throw new ApiError('mail_failed', `the SMTP server did not take the message: ${(err as Error).message}`, { reason: (err as Error).message });
  }
  return { delivery: viaSmtp ? 'smtp' : 'outbox', to };
}
