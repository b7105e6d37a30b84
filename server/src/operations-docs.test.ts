import t from 'tap';
import { readFileSync } from 'node:fs';
import { startInstance } from '../test/harness.ts';

const docs = new URL('../../docs/', import.meta.url);

/** Every sample name the exposition can have: each family, and a histogram's _bucket/_sum/_count. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m;
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

t.test('the Grafana dashboard parses, and every metric it queries exists; operations.md lists every baas metric', async (t) => {
  const api = await startInstance('sqlite');
  t.teardown(() => api.close());
  const res = await api.request('GET', '/v1/metrics', { token: api.adminToken });
  const exposed = exposedNames(res.body);

  const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', docs), 'utf8'));
  t.ok(dashboard.panels.length >= 10, `${dashboard.panels.length} panels`);
  const queried = new Set<string>();
  const exprs: string[] = [
    ...dashboard.panels.flatMap((p: any) => p.targets.map((x: any) => x.expr)),
    ...dashboard.templating.list.map((v: any) => v.query?.query).filter(Boolean),
  ];
  for (const expr of exprs) for (const m of expr.matchAll(/\b(?:baas|process|nodejs)_[a-z0-9_]+/g)) queried.add(m[0]);
  t.ok(queried.size >= 15, `${queried.size} metrics queried`);
  for (const name of queried) t.ok(exposed.has(name), `${name} exists`);

  const page = readFileSync(new URL('operations.md', docs), 'utf8');
  for (const name of exposed) if (name.startsWith('baas_') && !/_(bucket|sum|count)$/.test(name)) t.ok(page.includes(`\`${name}\``), `operations.md lists ${name}`);
  for (const m of page.matchAll(/`((?:baas|process|nodejs)_[a-z0-9_]+)`/g)) t.ok(exposed.has(m[1]), `${m[1]}, named in operations.md, exists`);
});
