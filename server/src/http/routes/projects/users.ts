import { addUser, changeUser, removeUser, userById } from '../../../services/auth/user-admin.ts';
import { listUsers, MAX_USERS_LIMIT } from '../../../services/auth/users-list.ts';
import { errors, type Routes } from '../../schemas.ts';
import { authUser, email, password, profileData } from './auth-schemas.ts';

const userParams = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;
const role = { type: ['string', 'null'], maxLength: 100 } as const;
const tags = ['users'];

/** The project's users (`/users`, service role): list (filter language), create, read, change, disable, delete. */
export const userRoutes: Routes = async (app) => {
  app.get('', {
    schema: {
      tags,
      summary: 'List users (filter/sort over id, email, verified, anonymous, role, disabled, created_at, updated_at, last_sign_in_at)',
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
      response: {
        200: { type: 'object', properties: { items: { type: 'array', items: authUser }, nextCursor: { type: ['string', 'null'] } }, required: ['items', 'nextCursor'], additionalProperties: false },
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request) => listUsers(request.ctx, request.query),
  });

  app.post('', {
    schema: {
      tags,
      summary: 'Create a user',
      body: {
        type: 'object',
        properties: { email, password, verified: { type: 'boolean' }, data: profileData, role },
        required: ['email'],
        additionalProperties: false,
      },
      response: { 201: authUser, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const user = await addUser(request.ctx, request.body);
      reply.status(201);
      return user;
    },
  });

  app.get('/:id', {
    schema: { tags, summary: 'A user', params: userParams, response: { 200: authUser, ...errors(401, 403, 404) } },
    handler: async (request) => userById(request.ctx, request.params.id),
  });

  app.patch('/:id', {
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
    handler: async (request) => changeUser(request.ctx, request.params.id, request.body),
  });

  app.delete('/:id', {
    schema: { tags, summary: 'Delete a user with their sessions', params: userParams, response: { 204: { type: 'null' }, ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await removeUser(request.ctx, request.params.id);
      reply.status(204).send(null);
    },
  });
};
