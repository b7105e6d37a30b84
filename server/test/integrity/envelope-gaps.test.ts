import t from 'tap';
import { connect } from 'node:net';
import { startInstance } from '../harness.ts';

// Covers app.ts (clientErrorHandler), http/plugins/cors.ts (strictPreflight)
// and json-body.ts (no text/plain parser): requests refused before routing
// still get the error envelope, over a real socket.

/** Sends raw bytes and answers the status and the parsed body of the reply. */
function raw(port: number, request: string | Buffer): Promise<{ status: number; type: string; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const type = /content-type: ([^\r\n]*)/i.exec(head)?.[1] ?? '';
      const text = rest.join('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), type, body: type.includes('json') ? JSON.parse(text) : text });
    });
    setTimeout(() => socket.end(), 2000).unref();
  });
}

t.test('the error envelope before routing: 431, bad request lines, preflight, text/plain', async (t) => {
  const api = await startInstance('sqlite', undefined, { corsOrigins: '*' });
  t.teardown(() => api.close());
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (api.app.server.address() as { port: number }).port;

  let res = await raw(port, `GET /v1/health?x=${'a'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
  t.equal(res.status, 431);
  t.equal(res.body.error?.code, 'headers_too_large');

  res = await raw(port, Buffer.concat([Buffer.from('GET /v1/h'), Buffer.from([0xc3, 0xa9]), Buffer.from(' HTTP/1.1\r\nhost: x\r\n\r\n')]));
  t.equal(res.status, 400, 'raw UTF-8 in the request line');
  t.equal(res.body.error?.code, 'validation_failed');

  res = await raw(port, 'GET /v1/health HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n');
  t.equal(res.status, 400, 'a malformed header');
  t.type(res.body.error?.code, 'string');

  // A preflight without its headers is no error at all.
  let reply = await api.app.inject({ method: 'OPTIONS', url: '/v1/health', headers: { origin: 'https://a.example' } });
  t.ok(reply.statusCode < 400, `OPTIONS without Access-Control-Request-Method: ${reply.statusCode} ${reply.body}`);

  reply = await api.app.inject({ method: 'POST', url: api.p('/collections'), headers: { authorization: `Bearer ${api.secret}`, 'content-type': 'text/plain' }, payload: '{"name":"x"}' });
  t.equal(reply.statusCode, 415, 'text/plain on a JSON route');
  t.equal(JSON.parse(reply.body).error.code, 'unsupported_media_type');
});
