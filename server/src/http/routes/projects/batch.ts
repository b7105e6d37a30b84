import { MAX_BATCH_OPERATIONS, runBatch } from '../../../services/batch.ts';
import { collectionName, errors, recordId, recordSerializer, type Routes } from '../../schemas.ts';

const data = { type: 'object', additionalProperties: true, maxProperties: 500 } as const;
const operation = {
  oneOf: [
    { type: 'object', properties: { action: { const: 'create' }, collection: collectionName, data }, required: ['action', 'collection', 'data'], additionalProperties: false },
    { type: 'object', properties: { action: { const: 'update' }, collection: collectionName, id: recordId, data }, required: ['action', 'collection', 'id', 'data'], additionalProperties: false },
    { type: 'object', properties: { action: { const: 'delete' }, collection: collectionName, id: recordId }, required: ['action', 'collection', 'id'], additionalProperties: false },
  ],
} as const;

/** `POST /batch`: several record writes, atomically, each under its rules. */
export const batchRoutes: Routes = async (app) => {
  app.post('', {
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Run record writes atomically: all succeed or none happen',
      body: {
        type: 'object',
        properties: { operations: { type: 'array', items: operation, minItems: 1, maxItems: MAX_BATCH_OPERATIONS } },
        required: ['operations'],
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: {
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: { status: { type: 'integer' }, body: { anyOf: [{ $ref: 'Record#' }, { type: 'null' }] } },
                required: ['status', 'body'],
                additionalProperties: false,
              },
            },
          },
          required: ['results'],
          additionalProperties: false,
        },
        ...errors(400, 401, 403, 404, 409, 413),
      },
    },
    handler: async (request) => ({ results: await runBatch(request.ctx, request.body.operations) }),
  });
};
