import { aggregateRecords, MAX_AGGREGATE_LIMIT } from '../../../services/records/aggregate.ts';
import { collectionName, errors, recordSerializer, type Routes } from '../../schemas.ts';

const params = { type: 'object', properties: { name: collectionName }, required: ['name'] } as const;
const querystring = {
  type: 'object',
  properties: {
    filter: { type: 'string', maxLength: 4096, description: "rule-language filter: status = 'open'" },
    search: { type: 'string', maxLength: 500, description: 'full-text search (collections with a search option)' },
    groupBy: { type: 'string', maxLength: 1000, description: 'fields, or a date by day, week or month: status,day(created_at)' },
    select: { type: 'string', maxLength: 1000, description: 'metrics: count,count(x),sum(votes),avg(votes),min(votes),max(votes)' },
    sort: { type: 'string', maxLength: 500, description: 'group keys or metrics by name, - for descending: -count' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_AGGREGATE_LIMIT },
  },
  additionalProperties: false,
} as const;
const reply = {
  type: 'object',
  properties: {
    items: { type: 'array', items: { type: 'object', additionalProperties: true, description: 'group keys and metrics by name: {status, count, sum_votes}' } },
  },
  required: ['items'],
  additionalProperties: false,
} as const;

/** `GET /collections/:name/aggregate`: counts, sums, averages and extremes per group, under the list rule. */
export const aggregateRoutes: Routes = async (app) => {
  app.get('', {
    // Items have whatever keys the query names: plain JSON.stringify, as for records.
    ...recordSerializer,
    schema: {
      tags: ['records'],
      summary: 'Aggregate records by group (list rule applies)',
      params,
      querystring,
      response: { 200: reply, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => aggregateRecords(request.ctx, request.params.name, request.query),
  });
};
