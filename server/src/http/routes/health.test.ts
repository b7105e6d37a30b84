/** Covers http/routes/health.ts and the route schemas as the OpenAPI document shows them (http/schemas.ts). */
import t from 'tap';
import { forEachEngine } from '../../../test/harness.ts';

forEachEngine(t, 'health and the OpenAPI document', async (t, api) => {
  let res = await api.request('GET', '/v1/health');
  t.equal(res.status, 200);
  t.same(res.body, { status: 'ok', database: api.engine });

  res = await api.request('GET', '/v1/openapi.json');
  t.equal(res.status, 200);
  t.match(String(res.headers['content-type']), /application\/json/);
  const doc = res.body;
  t.equal(doc.openapi, '3.1.0');
  t.match(doc.info, { title: String, version: String });
  t.ok(doc.components.securitySchemes.bearer, 'bearer auth is described');

  // every $ref points into the document
  const refs = new Set<string>();
  JSON.stringify(doc, (key, value) => {
    if (key === '$ref') refs.add(value);
    return value;
  });
  for (const ref of refs) {
    t.match(ref, /^#\/components\/schemas\//, `${ref} is local`);
    t.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
  }

  // every operation has responses, and every path template parameter is declared
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      t.ok(op.responses && Object.keys(op.responses).length, `${method} ${path} has responses`);
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        t.ok(op.parameters?.some((p: any) => p.in === 'path' && p.name === name && p.required === true), `${method} ${path} declares {${name}}`);
      }
    }
  }

  // the record routes, with their parameters
  const records = doc.paths['/v1/projects/{project}/collections/{name}/records'];
  t.ok(records?.get && records?.post, 'list and create');
  const listParams = records.get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort();
  t.same(listParams, ['count', 'cursor', 'expand', 'fields', 'filter', 'highlight', 'limit', 'page', 'perPage', 'search', 'sort']);
  const aggregate = doc.paths['/v1/projects/{project}/collections/{name}/aggregate'];
  t.same(aggregate?.get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['filter', 'groupBy', 'limit', 'search', 'select', 'sort']);
  const one = doc.paths['/v1/projects/{project}/collections/{name}/records/{id}'];
  t.ok(one?.get && one?.patch && one?.delete, 'get, update, delete');
  t.same(one.get.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name).sort(), ['expand', 'fields']);
  t.ok(doc.paths['/v1/projects/{project}/batch']?.post, 'batch');
  for (const path of ['/v1/health', '/v1/admin/auth/login', '/v1/admin/projects', '/v1/projects/{project}/collections', '/v1/projects/{project}/keys']) {
    t.ok(doc.paths[path], `${path} is documented`);
  }
  t.notOk(doc.paths['/v1/openapi.json'], 'the document does not list itself');
});
