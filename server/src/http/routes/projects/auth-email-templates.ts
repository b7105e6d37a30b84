import { emailKinds, type EmailKind } from '@baas/protocol';
import { listEmailTemplates, resetEmailTemplate, saveEmailTemplate, sendTemplateTest } from '../../../services/auth/email-templates.ts';
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
  app.get('', {
    schema: { tags, summary: 'The auth email templates, each custom or the default', response: { 200: { type: 'object', properties: { items: { type: 'array', items: info } }, required: ['items'], additionalProperties: false }, ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: await listEmailTemplates(request.ctx) }),
  });

  app.put('/:kind', {
    schema: {
      tags,
      summary: 'Set the template of one kind of auth email; 400 names an unknown placeholder with its line and column',
      params,
      body: { type: 'object', properties: template, required: ['subject', 'body'], additionalProperties: false },
      response: { 200: info, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => saveEmailTemplate(request.ctx, request.params.kind as EmailKind, request.body),
  });

  app.delete('/:kind', {
    schema: { tags, summary: 'Go back to the default template of one kind', params, response: { 200: info, ...errors(401, 403, 404) } },
    handler: async (request) => resetEmailTemplate(request.ctx, request.params.kind as EmailKind),
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
    handler: async (request) => sendTemplateTest(request.ctx, request.params.kind as EmailKind, request.body.to, request.body),
  });
};
