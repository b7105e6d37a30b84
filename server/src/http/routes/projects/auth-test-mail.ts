import { sendTestEmail } from '../../../services/auth/email-templates.ts';
import { errors, type Routes } from '../../schemas.ts';
import { email } from './auth-schemas.ts';

/** `/auth/test-mail` (service role): "send test mail" of the dashboard's settings. */
export const authTestMailRoutes: Routes = async (app) => {
  app.post('', {
    schema: {
      tags: ['auth: email'],
      summary: 'Send a test message through the mail setup (SMTP, or the outbox without one); 502 mail_failed when SMTP refuses it',
      body: { type: 'object', properties: { to: email }, required: ['to'], additionalProperties: false },
      response: {
        200: { type: 'object', properties: { delivery: { type: 'string', enum: ['smtp', 'outbox'] }, to: { type: 'string' } }, required: ['delivery', 'to'], additionalProperties: false },
        ...errors(400, 401, 403, 404, 502),
      },
    },
    handler: async (request) => sendTestEmail(request.ctx, request.body.to),
  });
};
