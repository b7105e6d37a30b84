import { RULE_TEST_MAX_LIMIT, testRules } from '../../../services/rule-tester.ts';
import { errors, type Routes } from '../../schemas.ts';
import { authUser } from './auth-schemas.ts';

const rule = { type: ['string', 'null'], maxLength: 4096 } as const;
const verdict = {
  type: 'object',
  properties: { rule, allowed: { type: 'array', items: { type: 'string' } } },
  required: ['rule', 'allowed'],
  additionalProperties: false,
} as const;

/** `/collections/:name/rules/test` (service role): the dashboard's rule tester. */
export const ruleTestRoutes: Routes = async (app) => {
  app.post('', {
    schema: {
      tags: ['collections'],
      summary: 'Judge the rules (or draft rules) as a user or a guest over the newest records: which each rule lets through; and a proposed body against the create rule',
      params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      body: {
        type: 'object',
        properties: {
          user: { type: ['string', 'null'], maxLength: 64, description: 'the user to judge as; null or absent: a guest' },
          rules: { type: 'object', properties: { list: rule, view: rule, create: rule, update: rule, delete: rule }, additionalProperties: false },
          filter: { type: 'string', maxLength: 4096, description: 'narrows the sample, judged as the service role' },
          limit: { type: 'integer', minimum: 1, maximum: RULE_TEST_MAX_LIMIT },
          create: { type: 'object', description: 'a proposed record body: judged against the create rule as POST /records would (400 when invalid); nothing is stored' },
        },
        additionalProperties: false,
      },
      response: {
        200: {
          type: 'object',
          properties: {
            user: { anyOf: [authUser, { type: 'null' }] },
            records: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: true } },
            rules: {
              type: 'object',
              properties: {
                list: verdict, view: verdict, update: verdict, delete: verdict,
                create: { type: 'object', properties: { rule, allowed: { type: 'boolean' } }, required: ['rule', 'allowed'], additionalProperties: false },
              },
              required: ['list', 'view', 'update', 'delete'],
              additionalProperties: false,
            },
          },
          required: ['user', 'records', 'rules'],
          additionalProperties: false,
        },
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request) => testRules(request.ctx, request.params.name, request.body ?? {}),
  });
};
