import { emailKinds, sampleEmailValues, type EmailKind } from '@baas/protocol';
import { renderAuthEmail } from '../../../mail/templates.ts';
import { sendTestMail } from '../../../mail/test-mail.ts';
import { assertEmailTemplate, emailTemplateOf, listEmailTemplates, resetEmailTemplate, saveEmailTemplate } from '../../../services/auth/email-templates.ts';
import { getAuthSettings } from '../../../services/auth/settings.ts';
import { errors, type Routes } from '../../schemas.ts';
import { email } from './auth-schemas.ts';

const template = { subject: { type: 'string' }, body: { type: 'string' } } as const;
const info = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: emailKinds },
    ...template,
    custom: { type: 'boolean' },
    placeholders: { type: 'array', items: { type: 'string' } },
    default: { type: 'object', properties: template, required: ['subject', 'body'], additionalProperties: false },
  },
  required: ['kind', 'subject', 'body', 'custom', 'placeholders', 'default'],
  additionalProperties: false,
} as const;
const params = { type: 'object', properties: { kind: { type: 'string', enum: emailKinds } }, required: ['kind'] } as const;
const tags = ['auth: email'];

/**
 * `/auth/email-templates` (service role): the subject and body of each auth
 * email, with `{{placeholders}}`; a template names only its kind's
 * placeholders (else 400 with the line and column) and holds `{{link}}`.
 * Unset kinds use the defaults; DELETE goes back to them.
 */
export const authEmailTemplateRoutes: Routes = async (app) => {
  const { mailer, config } = app.baas;

  app.get('', {
    schema: { tags, summary: 'The auth email templates, each custom or the default', response: { 200: { type: 'object', properties: { items: { type: 'array', items: info } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await listEmailTemplates(request.ctx.db) }),
  });

  app.put('/:kind', {
    schema: {
      tags,
      summary: 'Set the template of one kind of auth email; 400 names an unknown placeholder with its line and column',
      params,
      body: { type: 'object', properties: template, required: ['subject', 'body'], additionalProperties: false },
      response: { 200: info, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => saveEmailTemplate(request.ctx.db, request.params.kind as EmailKind, request.body),
  });

  app.delete('/:kind', {
    schema: { tags, summary: 'Go back to the default template of one kind', params, response: { 200: info, ...errors(401, 403, 404) } },
    handler: async (request) => resetEmailTemplate(request.ctx.db, request.params.kind as EmailKind),
  });

  app.post('/:kind/test', {
    schema: {
      tags,
      summary: 'Send the template (the saved one, or subject and body as given) filled with sample values; 502 mail_failed when SMTP refuses it',
      params,
      body: { type: 'object', properties: { to: email, ...template }, required: ['to'], additionalProperties: false },
      response: {
        200: { type: 'object', properties: { delivery: { type: 'string', enum: ['smtp', 'outbox'] }, to: { type: 'string' } }, required: ['delivery', 'to'], additionalProperties: false },
        ...errors(400, 401, 403, 404, 502),
      },
    },
    handler: async (request) => {
      const kind = request.params.kind as EmailKind;
      const { to, subject, body } = request.body;
      const saved = await emailTemplateOf(request.ctx.db, kind);
      const draft = { subject: subject ?? saved.subject, body: body ?? saved.body };
      assertEmailTemplate(kind, draft);
      const settings = await getAuthSettings(request.ctx.db);
      const sample = sampleEmailValues(kind, request.ctx.project.name, settings.emailTokenTtl, settings.siteUrl ?? undefined);
      const message = renderAuthEmail(kind, { projectName: sample.app, link: sample.link, ttl: settings.emailTokenTtl, email: to, code: sample.code, newEmail: sample.new_email }, draft);
      return sendTestMail(mailer, request.ctx.project, to, !!config.smtpUrl, request.log, { ...message, subject: `[test] ${message.subject}` });
    },
  });
};
