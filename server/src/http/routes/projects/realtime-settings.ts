import { getRealtimeSettings, setRealtimeSettings } from '../../../realtime/settings.ts';
import { errors, type Routes } from '../../schemas.ts';

const settingsSchema = {
  type: 'object',
  properties: { channelRule: { type: ['string', 'null'], maxLength: 4096 } },
  required: ['channelRule'],
  additionalProperties: false,
} as const;

/** `/realtime/settings` (service role): the channel rule. */
export const realtimeSettingsRoutes: Routes = async (app) => {
  app.get('', {
    schema: { tags: ['realtime'], summary: 'The realtime settings (channel rule)', response: { 200: settingsSchema, ...errors(401, 403, 404) } },
    handler: async (request) => getRealtimeSettings(request.ctx.db),
  });
  app.put('', {
    schema: { tags: ['realtime'], summary: 'Set the realtime settings (channel rule)', body: settingsSchema, response: { 200: settingsSchema, ...errors(400, 401, 403, 404) } },
    handler: async (request) => setRealtimeSettings(request.ctx.db, request.body),
  });
};
