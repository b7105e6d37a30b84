/** Covers http/plugins/json-body.ts and json-depth.ts (the JSON body parser, its depth limit and 415s). */
import t from 'tap';
import { MAX_JSON_DEPTH } from '../../json-depth.ts';
import { forEachEngine } from '../../../test/harness.ts';
import { codeOf, signUp } from '../../../test/auth.ts';
import { listenRealtime, RealtimeClient } from '../../../test/realtime.ts';

// Covers http/plugins/json-body.ts and the frame decoder of realtime/messages.ts.

/** `{"a":{"a":...{"a":1}}}`, `depth` objects deep. */
const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
// Deep enough that JSON.stringify of it overflows the stack; small enough for the body limit.
const DEEP = 100_000;
const deepBody = (wrap: (inner: string) => string) => wrap('{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP));

forEachEngine(t, 'deeply nested JSON is a 400 at the edge, on every route that takes user data', async (t, api) => {
  const user = await signUp(api, 'ann@example.com');
  await api.request('POST', api.p('/collections'), {
    token: api.secret,
    body: { name: 'docs', fields: [{ name: 'body', type: 'json' }], rules: { create: '', view: '', list: '', update: '' } },
  });
  const doc = (await api.request('POST', api.p('/collections/docs/records'), { body: { body: nested(3) } })).body;
  const routes: Array<[string, string, string | undefined, (inner: string) => string]> = [
    ['POST', '/auth/signup', undefined, (d) => `{"email":"deep@example.com","password":"correct horse battery","data":${d}}`],
    ['POST', '/auth/anonymous', undefined, (d) => `{"data":${d}}`],
    ['PATCH', '/auth/user', user.session.accessToken, (d) => `{"data":${d}}`],
    ['POST', '/users', api.secret, (d) => `{"email":"deep2@example.com","data":${d}}`],
    ['POST', '/collections/docs/records', undefined, (d) => `{"body":${d}}`],
    ['PATCH', `/collections/docs/records/${doc.id}`, undefined, (d) => `{"body":${d}}`],
    ['POST', '/batch', undefined, (d) => `{"operations":[{"action":"create","collection":"docs","data":{"body":${d}}}]}`],
  ];
  for (const [method, path, token, wrap] of routes) {
    for (const depth of [MAX_JSON_DEPTH + 1, DEEP]) {
      const body = depth === DEEP ? deepBody(wrap) : wrap(JSON.stringify(nested(depth - 1)));
      const res = await api.request(method, api.p(path), { token, body, headers: { 'content-type': 'application/json' } });
      t.equal(res.status, 400, `${method} ${path}, ${depth} levels`);
      t.equal(codeOf(res), 'validation_failed');
      t.match(res.body.error, { details: { maxDepth: MAX_JSON_DEPTH } });
    }
  }
  // At the limit it is data like any other.
  const res = await api.request('POST', api.p('/collections/docs/records'), { body: { body: nested(MAX_JSON_DEPTH - 1) } });
  t.equal(res.status, 201, 'the body object plus 63 levels of field value');
  t.equal((await api.request('GET', api.p('/users?limit=1'), { token: api.secret })).body.items.length, 1, 'no user was created by a refused body');
});

forEachEngine(t, 'a deeply nested realtime frame is refused and the channel keeps working for later members', async (t, api) => {
  await api.request('PUT', api.p('/realtime/settings'), { token: api.secret, body: { channelRule: '' } });
  const url = await listenRealtime(api);
  const attacker = await RealtimeClient.connect(url);
  t.teardown(() => attacker.close());
  // Within the 64 KiB frame limit: arrays cost two bytes a level.
  attacker.send(`{"op":"join","id":"deep","channel":"room","presence":{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`);
  t.match(await attacker.next((f) => f.id === 'deep'), { op: 'error', error: { code: 'invalid_message' } }, 'refused under its id');
  attacker.send(`{"op":"join","id":"j2","channel":"room","presence":${JSON.stringify(nested(MAX_JSON_DEPTH))}}`);
  t.match(await attacker.next((f) => f.id === 'j2'), { op: 'error', error: { code: 'invalid_message' } }, 'one level over the limit');

  const member = await RealtimeClient.connect(url);
  t.teardown(() => member.close());
  t.match(await member.call({ op: 'join', id: 'j', channel: 'room', presence: { name: 'later' } }), { op: 'ack' });
  t.match(await member.next((f) => f.op === 'presence'), { event: 'state', members: [{ presence: { name: 'later' } }] });
  t.match(await attacker.call({ op: 'ping', id: 'still-open' }), { op: 'error', error: { code: 'unknown_op' } }, 'the connection itself stays usable');
});
