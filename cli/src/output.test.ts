import t from 'tap';
import { BaasError } from '@baas/sdk';
import { CliError, fields, formatError, table } from './output.ts';

t.test('table aligns columns and trims trailing space', async (t) => {
  const rows = [{ id: 'a', name: 'Alpha', n: 1 }, { id: 'long-id', name: '', n: null }];
  t.equal(table(rows, [['ID', (r) => r.id], ['NAME', (r) => r.name], ['N', (r) => r.n]]), 'ID       NAME   N\na        Alpha  1\nlong-id\n');
  t.equal(table([], [['ID', () => '']], '(no keys)'), '(no keys)\n');
  t.equal(fields([['a', 1], ['long', 'x']]), '  a     1\n  long  x\n');
});

t.test('formatError: one line for every kind of failure', async (t) => {
  const cases: Array<[unknown, string]> = [
    [new BaasError(409, 'conflict', "project 'x' exists"), "error: project 'x' exists (conflict)"],
    [new BaasError(0, 'network_error', 'the server is not reachable at http://h:1 (ECONNREFUSED)'), 'error: the server is not reachable at http://h:1 (ECONNREFUSED)'],
    [
      new BaasError(400, 'validation_failed', 'invalid admin', { fields: { email: { code: 'x', message: 'must be an email address' }, password: { code: 'y', message: 'too short' } } }),
      'error: invalid admin (validation_failed): email: must be an email address; password: too short',
    ],
    [new BaasError(401, 'invalid_token', 'expired'), 'error: expired (invalid_token); sign in again with `baas login` or pass --token'],
    [new CliError('no baas.json'), 'error: no baas.json'],
    [new Error('two\n  lines'), 'error: two lines'],
    [Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), 'error: listen EADDRINUSE'],
    ['a string', 'error: a string'],
  ];
  for (const [err, line] of cases) t.equal(formatError(err), line);
});
