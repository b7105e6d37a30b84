import { realtimeSettingsOf, updateRealtimeSettings } from '../../../services/realtime.ts';
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
    handler: async (request) => realtimeSettingsOf(request.ctx),
  });
  app.put('', {
    schema: { tags: ['realtime'], summary: 'Set the realtime settings (channel rule)', body: settingsSchema, response: { 200: settingsSchema, ...errors(400, 401, 403, 404) } },
    handler: async (request) => updateRealtimeSettings(request.ctx, request.body),
  });
};
