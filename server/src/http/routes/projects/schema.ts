import { exportSchema, importSchema } from '../../../services/schema.ts';
import { errors, type Routes } from '../../schemas.ts';

const changed = {
  type: 'array',
  items: { type: 'object', properties: { name: { type: 'string' }, changes: { type: 'array', items: { type: 'string' } } }, required: ['name', 'changes'], additionalProperties: false },
} as const;
const names = { type: 'array', items: { type: 'string' } } as const;
const part = { type: 'object', properties: { added: names, changed, removed: names }, required: ['added', 'changed', 'removed'], additionalProperties: false } as const;
const diff = {
  type: 'object',
  properties: { collections: part, buckets: part, dropped: { type: 'array', items: { type: 'object', additionalProperties: true } } },
  required: ['collections', 'buckets', 'dropped'],
  additionalProperties: false,
} as const;

const document = {
  type: 'object',
  properties: {
    format: { type: 'string', const: 'baas-schema' },
    version: { type: 'integer', const: 1 },
    collections: { type: 'array', items: { $ref: 'Collection#' } },
    buckets: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  required: ['format', 'version', 'collections', 'buckets'],
  additionalProperties: false,
} as const;

/** Schema as code (`/schema`, service role): a project's collections and buckets as one document, and its atomic import. */
export const schemaRoutes: Routes = async (app) => {
  app.get('', {
    schema: {
      tags: ['collections'],
      summary: "The project's collections (fields, indexes, rules) and bucket settings, as one document",
      response: { 200: document, ...errors(401, 403, 404) },
    },
    handler: async (request) => exportSchema(request.ctx),
  });

  app.put('', {
    schema: {
      tags: ['collections'],
      summary: 'Make the schema match a document, all or nothing; dryRun=true shows the diff only; deleting data needs allowDrop=true (else 409 would_drop_data with the diff)',
      querystring: { type: 'object', properties: { dryRun: { type: 'boolean' }, allowDrop: { type: 'boolean' } }, additionalProperties: false },
      // Only "an object" here: the collections and buckets services check the document, each problem with its own code.
      body: { type: 'object', additionalProperties: true },
      response: { 200: { type: 'object', properties: { diff, applied: { type: 'boolean' } }, required: ['diff', 'applied'], additionalProperties: false }, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => importSchema(request.ctx, request.body, { dryRun: request.query.dryRun, allowDrop: request.query.allowDrop }),
  });
};
