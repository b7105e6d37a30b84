import { binary } from '../../openapi.ts';
import { errors, projectId, type Routes, noContent } from '../../schemas.ts';

const run = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    file: { type: 'string' },
    scope: { type: 'string', enum: ['instance', 'project'] },
    project: { type: ['string', 'null'] },
    trigger: { type: 'string', enum: ['schedule', 'api', 'cli'] },
    status: { type: 'string', enum: ['running', 'ok', 'failed'] },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    size: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    available: { type: 'boolean' },
  },
  required: ['id', 'file', 'scope', 'project', 'trigger', 'status', 'startedAt', 'finishedAt', 'size', 'error', 'available'],
  additionalProperties: false,
} as const;

const schedule = {
  type: ['object', 'null'],
  properties: { cron: { type: 'string' }, next: { type: ['string', 'null'] }, keep: { type: 'integer' }, s3Bucket: { type: ['string', 'null'] } },
  required: ['cron', 'next', 'keep', 's3Bucket'],
  additionalProperties: false,
} as const;

const params = { type: 'object', properties: { id: { type: 'string', maxLength: 100 } }, required: ['id'] } as const;

/**
 * Backups (`/backups`, admins only) for the dashboard: the run history and the
 * schedule, a run now, the download of an archive, the restore of one project
 * from it, and deletion. A whole instance is restored offline (`baas restore`),
 * never into a running one.
 */
export const adminBackupRoutes: Routes = async (app) => {
  const services = app.baas;
  const tags = ['admin'];

  app.get('', {
    schema: {
      tags,
      summary: 'Backup runs, newest first, and the schedule (null when none is configured)',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: run }, schedule }, required: ['items', 'schedule'], additionalProperties: false }, ...errors(401, 403) },
    },
    handler: async () => ({ items: await services.backups.list(), schedule: services.backups.schedule() }),
  });

  app.post('', {
    schema: {
      tags,
      summary: 'Take a backup now (of the instance, or of one project) and answer when it is written',
      body: { type: ['object', 'null'], properties: { project: projectId }, additionalProperties: false },
      response: { 201: run, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const created = await services.backups.run({ project: request.body?.project, trigger: 'api' });
      reply.status(201);
      return created;
    },
  });

  app.get('/:id/download', {
    config: { openapi: { response: { 200: binary('the archive (tar.gz)', 'application/gzip') } } },
    schema: { tags, summary: 'The archive of a backup (application/gzip)', params, response: errors(401, 403, 404) },
    handler: async (request, reply) => {
      const { run: backup, stream, size } = await services.backups.open(request.params.id);
      const name = backup.file.split('/').pop()!;
      reply.header('content-type', 'application/gzip').header('content-length', size).header('content-disposition', `attachment; filename="${name}"`);
      return reply.send(stream);
    },
  });

  app.post('/:id/restore', {
    schema: {
      tags,
      summary: "Restore one project of a backup, under its id or 'as' (which must be free); all or nothing",
      params,
      body: { type: ['object', 'null'], properties: { project: projectId, as: projectId }, additionalProperties: false },
      response: {
        200: {
          type: 'object',
          properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' }, migration: { type: 'integer' }, objects: { type: 'integer' }, restoredAs: { type: 'string' } },
          required: ['id', 'name', 'restoredAs', 'objects'],
          additionalProperties: false,
        },
        ...errors(400, 401, 403, 404, 409),
      },
    },
    handler: async (request) => services.backups.restore(request.params.id, request.body ?? {}),
  });

  app.delete('/:id', {
    schema: { tags, summary: 'Delete a backup: its archive and its history entry', params, response: { ...noContent, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await services.backups.delete(request.params.id);
      reply.status(204).send(null);
    },
  });
};
