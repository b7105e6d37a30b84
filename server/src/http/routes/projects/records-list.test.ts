/** Covers services/records/list.ts, cursor.ts and expand.ts (paging, sorting, counts, expand). */
import t from 'tap';
import { forEachEngine } from '../../../../test/harness.ts';

type Row = { id: string; name: string | null; score: number | null; flag: boolean | null; at: string | null };

/** Null sorts lowest: first ascending, last descending; `id` breaks ties, in the last key's direction. */
function expectedOrder(rows: Row[], sort: string): string[] {
  const keys = sort.split(',').map((k) => ({ field: k.replace(/^-/, '') as keyof Row, desc: k.startsWith('-') }));
  if (!keys.some((k) => k.field === 'id')) keys.push({ field: 'id', desc: keys.length > 0 && keys[keys.length - 1].desc });
  const cmp = (a: unknown, b: unknown) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as any) < (b as any) ? -1 : 1);
  return [...rows]
    .sort((a, b) => {
      for (const k of keys) {
        const c = cmp(a[k.field], b[k.field]);
        if (c) return k.desc ? -c : c;
      }
      return 0;
    })
    .map((r) => r.id);
}

forEachEngine(t, 'records: sort, keyset cursor and page/perPage agree with one ordering, nulls included', async (t, api) => {
  const sk = api.secret;
  let res = await api.request('POST', api.p('/collections'), {
    token: sk,
    body: {
      name: 'items',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'score', type: 'number' },
        { name: 'flag', type: 'boolean' },
        { name: 'at', type: 'date' },
      ],
      rules: { list: '', view: '', create: null, update: null, delete: null },
    },
  });
  t.equal(res.status, 201);
  // ties, nulls and mixed case on purpose; ids chosen so that their order differs from insertion order
  const names = ['b', 'B', null, 'a', 'b', null, 'c', 'a', 'Z', null, 'b'];
  const rows: Row[] = [];
  for (const [i, name] of names.entries()) {
    const body = {
      id: `r${(names.length - i).toString().padStart(2, '0')}`,
      name,
      score: i % 4 === 0 ? null : (i % 3) * 1.5,
      flag: i % 5 === 0 ? null : i % 2 === 0,
      at: i % 3 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (i % 4))).toISOString(),
    };
    res = await api.request('POST', api.p('/collections/items/records'), { token: sk, body });
    t.equal(res.status, 201, JSON.stringify(res.body));
    rows.push(res.body);
  }

  const sorts = ['name', '-name', 'score,name', '-score,-name', 'flag,-at', '-flag,score,-id', 'at', '-at,-score', '-created_at', 'id', '-id'];
  for (const sort of sorts) {
    const want = expectedOrder(rows, sort);
    // one page with everything
    res = await api.request('GET', api.p(`/collections/items/records?sort=${sort}&limit=100`), { token: sk });
    t.same(res.body.items.map((r: any) => r.id), want, `sort=${sort}: one page`);
    t.equal(res.body.nextCursor, null);
    // keyset pages of 3
    for (const size of [1, 3]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let guard = 0;
      do {
        const q: string = `/collections/items/records?sort=${sort}&limit=${size}${cursor ? `&cursor=${cursor}` : ''}`;
        res = await api.request('GET', api.p(q), { token: sk });
        t.equal(res.status, 200, JSON.stringify(res.body));
        seen.push(...res.body.items.map((r: any) => r.id));
        cursor = res.body.nextCursor;
      } while (cursor && ++guard < 50);
      t.same(seen, want, `sort=${sort}: cursor pages of ${size}`);
    }
    // page/perPage
    const paged: string[] = [];
    for (let page = 1; page <= 4; page++) {
      res = await api.request('GET', api.p(`/collections/items/records?sort=${sort}&page=${page}&perPage=4&count=true`), { token: sk });
      t.equal(res.body.total, rows.length);
      paged.push(...res.body.items.map((r: any) => r.id));
    }
    t.same(paged, want, `sort=${sort}: page/perPage`);
  }

  // a cursor stays valid when rows before it are deleted, and skips nothing after it
  const want = expectedOrder(rows, 'name');
  res = await api.request('GET', api.p('/collections/items/records?sort=name&limit=4'), { token: sk });
  const cursor = res.body.nextCursor;
  for (const id of want.slice(0, 4)) await api.request('DELETE', api.p(`/collections/items/records/${id}`), { token: sk });
  res = await api.request('GET', api.p(`/collections/items/records?sort=name&limit=100&cursor=${cursor}`), { token: sk });
  t.same(res.body.items.map((r: any) => r.id), want.slice(4));
});
