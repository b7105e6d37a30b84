import type { FastifyInstance } from 'fastify';
import { objectsService } from '../../../../services/storage/objects.ts';
import { encodeObjectPath, validateObjectPath } from '../../../../services/storage/paths.ts';
import { MAX_EXPIRES_IN, type SignedAction } from '../../../../services/storage/signing.ts';
import type { Services } from '../../../../services/index.ts';
import { contextOf } from '../../../plugins/actor.ts';
import { errors, projectId } from '../../../schemas.ts';

/**
 * Signed URLs: whoever may read (or write) an object now can hand out a URL
 * that lets its holder do that one thing to that one path until it expires.
 */
export function signRoutes(app: FastifyInstance, services: Services): void {
  app.post<{ Params: { project: string; bucket: string }; Body: { path: string; expiresIn?: number; action?: SignedAction } }>(
    '/v1/projects/:project/storage/buckets/:bucket/sign',
    {
      schema: {
        tags: ['storage'],
        summary: 'Sign a URL for one object and action (the caller must be allowed that action)',
        params: { type: 'object', properties: { project: projectId, bucket: { type: 'string', maxLength: 63 } } },
        body: {
          type: 'object',
          properties: {
            path: { type: 'string', minLength: 1, maxLength: 4096 },
            expiresIn: { type: 'integer', minimum: 1, maximum: MAX_EXPIRES_IN, default: 3600 },
            action: { type: 'string', enum: ['read', 'write'], default: 'read' },
          },
          required: ['path'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { url: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'string' } }, required: ['url', 'token', 'expiresAt'] },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { bucket, project } = request.params;
      const path = validateObjectPath(request.body.path);
      const { token, expiresAt } = await objectsService.sign(contextOf(request), bucket, path, request.body.action ?? 'read', request.body.expiresIn ?? 3600);
      const origin = (services.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
      const url = `${origin}/v1/projects/${project}/storage/buckets/${bucket}/objects/${encodeObjectPath(path)}?token=${encodeURIComponent(token)}`;
      return { url, token, expiresAt };
    },
  );
}
