/**
 * Covers http/openapi.ts and the route schemas it reads: the OpenAPI document
 * is valid (@readme/openapi-parser), complete enough for generated clients
 * (an operationId and a success reply on every operation, who needs a token),
 * and a client generated from it (openapi-typescript + openapi-fetch) type-checks
 * and reaches records and a file under storage on a listening server.
 */
import t from 'tap';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { validate } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { forEachEngine } from '../../test/harness.ts';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '../..');

forEachEngine(t, 'the OpenAPI document generates a working client', async (t, api) => {
  const doc = (await api.request('GET', '/v1/openapi.json')).body;

  const result = await validate(structuredClone(doc));
  t.same(result.valid ? [] : result.errors, [], '@readme/openapi-parser accepts it');

  const operations = Object.entries<any>(doc.paths).flatMap(([path, item]) => Object.entries<any>(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));
  const ids = operations.map(({ op }) => op.operationId);
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const { key, op } of operations) {
    t.ok(op.operationId, `${key} has an operationId`);
    // A WebSocket upgrade answers 101 and an OAuth hop 302; everything else has a 2xx.
    t.ok(Object.keys(op.responses).some((status) => /^(2..|101|302)$/.test(status)), `${key} has a success reply`);
  }
  const byKey = Object.fromEntries(operations.map(({ key, op }) => [key, op]));
  t.same(byKey['GET /v1/health'].security, [], 'health needs no token');
  t.same(byKey['POST /v1/projects/{project}/auth/signup'].security, [], 'signup needs no token');
  t.same(byKey['GET /v1/projects/{project}/collections/{name}/records/{id}'].security, [{}, { bearer: [] }], 'records: a token or none');
  t.same(byKey['GET /v1/projects/{project}/keys'].security, [{ bearer: [] }], 'service-role routes need one');
  t.ok(byKey['GET /v1/projects/{project}/realtime'], 'the realtime route is listed');
  t.ok(byKey['PUT /v1/projects/{project}/storage/buckets/{bucket}/objects/{path}'].requestBody, 'a raw upload has a body');
  t.ok(byKey['DELETE /v1/projects/{project}/collections/{name}/records/{id}'].responses['204'], 'a delete answers 204');
  t.ok(doc.components.schemas.ErrorEnvelope.properties.error.properties.code.enum.includes('record_not_found'), 'error codes are an enum');

  // Generate, type-check and run the client in a directory of the server package (its node_modules resolve).
  const dir = mkdtempSync(join(serverDir, 'test/.openapi-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'schema.d.ts'), astToString(await openapiTS(doc)));
  copyFileSync(join(serverDir, 'test/fixtures/openapi-client.ts'), join(dir, 'client.ts'));
  const program = ts.createProgram([join(dir, 'client.ts')], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  t.same(diagnostics, [], 'the generated client type-checks');

  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address() as { port: number };
  const { tour } = await import(pathToFileURL(join(dir, 'client.ts')).href);
  t.same(await tour(`http://127.0.0.1:${address.port}`, api.secret), {
    health: { status: 'ok', database: api.engine },
    signedUp: 201,
    read: { status: 200, title: 'hello' },
    guest: { status: 404, code: 'record_not_found', impossible: false },
    uploaded: { status: 200, path: 'docs/read me.txt', size: 20 },
    downloaded: { status: 200, body: 'a file under storage' },
    deleted: 204,
    gone: 404,
  });
});
