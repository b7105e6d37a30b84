import { signObject } from '../../../../services/storage/objects.ts';
import { encodeObjectPath, validateObjectPath } from '../../../../services/storage/paths.ts';
import { MAX_EXPIRES_IN } from '../../../../services/storage/signing.ts';
import { errors, type Routes } from '../../../schemas.ts';

/**
 * Signed URLs (`/storage/buckets/:bucket/sign`): whoever may read (or write)
 * an object now can hand out a URL that lets its holder do that one thing to
 * that one path until it expires: read that version of the object, or write
 * what the signer's write rule allows.
 */
export const signRoutes: Routes = async (app) => {
  const services = app.baas;
  app.post(
    '',
    {
      schema: {
        tags: ['storage'],
        summary: 'Sign a URL for one object and action (the caller must be allowed that action)',
        params: { type: 'object', properties: { bucket: { type: 'string', maxLength: 63 } }, required: ['bucket'] },
        body: {
          type: 'object',
          properties: {
            path: { type: 'string', minLength: 1, maxLength: 4096 },
            expiresIn: { type: 'integer', minimum: 1, maximum: MAX_EXPIRES_IN, default: 3600 },
            action: { type: 'string', enum: ['read', 'write'], default: 'read' },
            contentType: { type: 'string', maxLength: 255, description: 'write: the content type you mean to upload, for the write rule to judge now (the upload is judged again with its real one)' },
          },
          required: ['path'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { url: { type: 'string' }, token: { type: 'string' }, expiresAt: { type: 'string' } }, required: ['url', 'token', 'expiresAt'], additionalProperties: false },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { bucket } = request.params;
      const project = request.ctx.project.id;
      const path = validateObjectPath(request.body.path);
      const { action = 'read', expiresIn = 3600, contentType } = request.body;
      const { token, expiresAt } = await signObject(request.ctx, bucket, path, action, expiresIn, { contentType });
      const origin = (services.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
      const url = `${origin}/v1/projects/${project}/storage/buckets/${bucket}/objects/${encodeObjectPath(path)}?token=${encodeURIComponent(token)}`;
      return { url, token, expiresAt };
    },
  );
};
