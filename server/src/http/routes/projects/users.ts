import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../../errors.ts';
import { createUser, deleteUser, getUser, publicUser, updateUser, type NewUser, type UserPatch } from '../../../services/auth/users.ts';
import { listUsers, MAX_USERS_LIMIT, type UserListOptions } from '../../../services/auth/users-list.ts';
import { requireServiceRole } from '../../plugins/actor.ts';
import { errors, projectId } from '../../schemas.ts';
import { authUser, email, password, profileData, projectParams } from './auth-schemas.ts';

type UserParams = { project: string; id: string };
const userParams = { type: 'object', properties: { project: projectId, id: { type: 'string', maxLength: 64 } } } as const;
const role = { type: ['string', 'null'], maxLength: 100 } as const;

/** The project's users, managed by the service role: list (filter language), create, read, change, disable, delete. */
export function userRoutes(app: FastifyInstance): void {
  const base = '/v1/projects/:project/users';
  const tags = ['users'];
  const guard = { preHandler: async (request: Parameters<typeof requireServiceRole>[0]) => requireServiceRole(request) };

  app.get<{ Querystring: UserListOptions }>(base, {
    ...guard,
    schema: {
      tags,
      summary: 'List users (filter/sort over id, email, verified, anonymous, role, disabled, created_at, updated_at, last_sign_in_at)',
      params: projectParams,
      querystring: {
        type: 'object',
        properties: {
          filter: { type: 'string', maxLength: 4096 },
          sort: { type: 'string', maxLength: 500 },
          limit: { type: 'integer', minimum: 1, maximum: MAX_USERS_LIMIT },
          cursor: { type: 'string', maxLength: 4096 },
        },
        additionalProperties: false,
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: authUser }, nextCursor: { type: ['string', 'null'] } } }, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => listUsers(request.project!.db, request.query),
  });

  app.post<{ Body: NewUser }>(base, {
    ...guard,
    schema: {
      tags,
      summary: 'Create a user',
      params: projectParams,
      body: {
        type: 'object',
        properties: { email, password, verified: { type: 'boolean' }, data: profileData, role },
        required: ['email'],
        additionalProperties: false,
      },
      response: { 201: authUser, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const user = await createUser(request.project!.db, request.body);
      reply.status(201);
      return publicUser(user);
    },
  });

  app.get<{ Params: UserParams }>(`${base}/:id`, {
    ...guard,
    schema: { tags, summary: 'A user', params: userParams, response: { 200: authUser, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const user = await getUser(request.project!.db, request.params.id);
      if (!user) throw new ApiError('not_found', `no user '${request.params.id}'`);
      return publicUser(user);
    },
  });

  app.patch<{ Params: UserParams; Body: UserPatch }>(`${base}/:id`, {
    ...guard,
    schema: {
      tags,
      summary: 'Change a user; disabled: true also ends all their sessions',
      params: userParams,
      body: {
        type: 'object',
        properties: { email: { ...email, type: ['string', 'null'] }, password, verified: { type: 'boolean' }, data: profileData, role, disabled: { type: 'boolean' } },
        additionalProperties: false,
      },
      response: { 200: authUser, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => publicUser(await updateUser(request.project!.db, request.params.id, request.body)),
  });

  app.delete<{ Params: UserParams }>(`${base}/:id`, {
    ...guard,
    schema: { tags, summary: 'Delete a user with their sessions', params: userParams, response: { 204: { type: 'null' }, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      if (!(await deleteUser(request.project!.db, request.params.id))) throw new ApiError('not_found', `no user '${request.params.id}'`);
      reply.status(204).send();
    },
  });
}
