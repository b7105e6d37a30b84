import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

// Covers services/records/write.ts (definitionUnchanged) and the schema lock in
// services/collections.ts: writes racing a field removal or a collection delete
// answer 404 or 409 (400 once validated against the new fields), never a 500
// from a missing table or column.

forEachEngine(t, 'writes racing a field change or a collection delete are 404/409, never 5xx', async (t, api) => {
  const req = (method: string, path: string, body?: unknown) => api.request(method, api.p(path), { token: api.secret, body });
  const statuses = new Map<number, number>();
  for (let round = 0; round < 4; round++) {
    const name = `race${round}`;
    let res = await req('POST', '/collections', { name, fields: [{ name: 'a', type: 'text' }, { name: 'b', type: 'integer' }] });
    t.equal(res.status, 201, JSON.stringify(res.body));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await req('POST', `/collections/${name}/records`, { a: 'x', b: i })).body.id);
    const change = (async () => {
      const removed = await req('PATCH', `/collections/${name}?drop=b`, { fields: [{ name: 'a', type: 'text' }] });
      t.equal(removed.status, 200, JSON.stringify(removed.body));
      const deleted = await req('DELETE', `/collections/${name}`);
      t.equal(deleted.status, 204, JSON.stringify(deleted.body));
    })();
    // Writes start before, during and after the changes, so some read the cached definition
    // before a change commits and reach their transaction after it.
    const writes = Array.from({ length: 45 }, async (_, i) => {
      for (let k = 0; k < i % 5; k++) await new Promise((r) => setImmediate(r));
      const id = ids[i % ids.length];
      if (i % 3 === 0) return req('POST', `/collections/${name}/records`, { a: `n${i}`, b: i });
      if (i % 3 === 1) return req('PATCH', `/collections/${name}/records/${id}`, { b: i });
      return req('POST', '/batch', { operations: [{ action: 'create', collection: name, data: { b: i } }, { action: 'update', collection: name, id, data: { a: `u${i}` } }] });
    });
    const replies = await Promise.all(writes);
    await change;
    for (const r of replies) {
      const status = r.status === 200 && Array.isArray(r.body.results) ? (r.body.results[0]?.status ?? r.status) : r.status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      // 400: validated after the field was removed (b is then unknown).
      const fine = [200, 201, 404, 409].includes(r.status) || (r.status === 400 && r.body.error?.code === 'validation_failed');
      if (!fine) t.fail(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
    }
  }
  t.ok(true, `statuses: ${JSON.stringify([...statuses])}`);
});
