import { authSettingsOf, updateAuthSettings } from '../../../services/auth/settings.ts';
import { rotateSigningKey } from '../../../services/auth/signing-keys.ts';
import { errors, type Routes } from '../../schemas.ts';

const httpUrl = { type: 'string', maxLength: 2000 } as const;
const settingsProperties = {
  siteUrl: { type: ['string', 'null'], maxLength: 2000 },
  redirectUrls: { type: 'array', items: httpUrl, maxItems: 100 },
  accessTokenTtl: { type: 'integer' },
  refreshTokenTtl: { type: 'integer' },
  passwordMinLength: { type: 'integer' },
  emailTokenTtl: { type: 'integer' },
} as const;
const settingsSchema = {
  type: 'object',
  properties: settingsProperties,
  required: ['siteUrl', 'redirectUrls', 'accessTokenTtl', 'refreshTokenTtl', 'passwordMinLength', 'emailTokenTtl'],
  additionalProperties: false,
} as const;
const tags = ['auth'];

/** The auth settings and signing-key rotation (`/auth`, service role). */
export const authSettingsRoutes: Routes = async (app) => {
  app.post('/keys/rotate', {
    schema: {
      tags,
      summary: 'Make a new signing key; the old ones keep verifying until their tokens expire',
      response: {
        200: { type: 'object', properties: { kid: { type: 'string' }, retired: { type: 'array', items: { type: 'string' } } }, required: ['kid', 'retired'], additionalProperties: false },
        ...errors(401, 403, 404),
      },
    },
    handler: async (request) => rotateSigningKey(request.ctx),
  });

  app.get('/settings', {
    schema: { tags, summary: 'The auth settings of the project', response: { 200: settingsSchema, ...errors(401, 403, 404) } },
    handler: async (request) => authSettingsOf(request.ctx),
  });

  app.patch('/settings', {
    schema: {
      tags,
      summary: 'Change auth settings (durations in seconds)',
      body: { type: 'object', properties: settingsProperties, additionalProperties: false },
      response: { 200: settingsSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => updateAuthSettings(request.ctx, request.body),
  });
};
