import { defaultEmailTemplates, renderEmailTemplate, describeTtl, type EmailKind, type EmailTemplate } from '@baas/protocol';
import type { MailMessage } from './mailer.ts';

export { describeTtl, type EmailKind };

/** What an auth email needs: who it is from and to, where the link goes, and how long it lasts. */
export interface TemplateInput {
  projectName: string;
  link: string;
  /** Seconds until the link (and code) expire. */
  ttl: number;
  /** The recipient. */
  email?: string;
  /** The short code of a magic link, typed instead of following the link. */
  code?: string;
  /** The new address of an email change. */
  newEmail?: string;
}

/**
 * The message of one auth email (plain text and an HTML alternative) from the
 * project's template of that kind, or the default; `to` is filled in by the caller.
 */
export function renderAuthEmail(kind: EmailKind, input: TemplateInput, template: EmailTemplate = defaultEmailTemplates[kind]): Omit<MailMessage, 'to'> {
  return renderEmailTemplate(kind, template, {
    app: input.projectName,
    link: input.link,
    expires: describeTtl(input.ttl),
    email: input.email,
    code: input.code,
    new_email: input.newEmail,
  });
}
