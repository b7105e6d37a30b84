/**
 * JSON schemas shared by routes. They validate input before a handler runs,
 * type the handlers (through the json-schema-to-ts type provider), and feed
 * the OpenAPI document.
 */
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { projectIdPattern } from '../ids.ts';
import { errorStatus, fieldTypes, type ErrorCode } from '@baas/protocol';

/** Every code of the error registry, for the document's enum (clients switch on these). */
const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export const errorEnvelope = {
  $id: 'ErrorEnvelope',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: errorCodes },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
        requestId: { type: 'string', description: 'on a 5xx: the x-request-id, which names the log line' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** The reply of a route that answers 204 with no body (a delete, a logout). */
export const noContent = { 204: { type: 'null', description: 'Done; no body' } } as const;

/** Error replies a route may give, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((s) => [s, { $ref: 'ErrorEnvelope#' }]));
}

export const projectId = { type: 'string', pattern: projectIdPattern.source } as const;
export const collectionName = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
export const recordId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

export const record = {
  $id: 'Record',
  type: 'object',
  properties: {
    id: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
  additionalProperties: true,
} as const;

const field = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    name: { type: 'string', maxLength: 63 },
    type: { type: 'string', enum: fieldTypes },
    required: { type: 'boolean' },
    unique: { type: 'boolean' },
    nullable: { type: 'boolean' },
    default: {},
    min: { type: ['number', 'string'] },
    max: { type: ['number', 'string'] },
    pattern: { type: 'string', maxLength: 500 },
    values: { type: 'array', items: { type: 'string' }, maxItems: 1000 },
    multiple: { type: 'boolean' },
    collection: { type: 'string' },
  },
  required: ['name', 'type'],
  additionalProperties: false,
} as const;

const rule = { type: ['string', 'null'], maxLength: 4096 } as const;

const rules = {
  type: 'object',
  properties: { list: rule, view: rule, create: rule, update: rule, delete: rule },
  additionalProperties: false,
} as const;

const index = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    fields: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 16 },
    unique: { type: 'boolean' },
  },
  required: ['fields'],
  additionalProperties: false,
} as const;

export const collection = {
  $id: 'Collection',
  type: 'object',
  properties: {
    name: { type: 'string' },
    fields: { type: 'array', items: field, maxItems: 200 },
    rules,
    indexes: { type: 'array', items: index, maxItems: 64 },
    search: { type: ['array', 'null'], items: { type: 'string' }, maxItems: 16, description: 'text fields full-text search reads, most important first' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  additionalProperties: false,
} as const;

/** Schemas registered once with `addSchema` so routes can `$ref` them. */
export const sharedSchemas = [errorEnvelope, record, collection];

type References = [typeof errorEnvelope, typeof record, typeof collection];

/**
 * A plugin of routes whose JSON schemas type their handlers: `request.params`,
 * `query` and `body` are what the schema accepts, and a handler's reply must
 * fit the response schema of its status. `$ref`s to the shared schemas resolve.
 */
export type Routes = FastifyPluginAsyncJsonSchemaToTs<{
  ValidatorSchemaOptions: { references: References };
  SerializerSchemaOptions: { references: References };
}>;

/**
 * For routes whose replies are records: their schema is open (any field), so
 * fast-json-stringify falls back to generic code slower than JSON.stringify.
 * The schema stays for validation docs (OpenAPI); the reply uses JSON.stringify.
 */
export const recordSerializer = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };
