/** Covers what docs/security.md promises: every rule × actor × operation × surface below is refused exactly, with no hidden data in the reply. */
import t from 'tap';
import { forEachEngine, type Reply, type TestInstance } from '../harness.ts';
import { listenRealtime, RealtimeClient, settle } from '../realtime.ts';

// One instance per engine; one record per collection that the attackers must
// not read or change. Its `secret` field holds a marker: no reply to an
// attacker may contain it. A case names its surface, the operation, and the
// exact status (and for lists: that nothing came back).

const owner = 'auth.id != null && owner = auth.id';
/** The rules under attack: name -> rules. The victim (ann) owns every secret record. */
const RULES: Record<string, { list: string | null; view: string | null; create: string | null; update: string | null; delete: string | null }> = {
  locked: { list: null, view: null, create: null, update: null, delete: null },
  owned: { list: owner, view: owner, create: owner, update: owner, delete: owner },
  staff: { list: "auth.role = 'staff'", view: "auth.role = 'staff'", create: "auth.role = 'staff'", update: "auth.role = 'staff'", delete: "auth.role = 'staff'" },
  verified: { list: `auth.verified = true && ${owner}`, view: `auth.verified = true && ${owner}`, create: `auth.verified = true && ${owner}`, update: owner, delete: owner },
  published: { list: 'published = true', view: 'published = true', create: `${owner} && published = false`, update: owner, delete: owner },
  // A blind drop box: anyone signed in may write, only the owner reads.
  dropbox: { list: owner, view: owner, create: 'auth.id != null', update: `${owner}`, delete: owner },
};
/** The attackers: none of them is ann, none has the staff role. */
const ACTORS = ['guest', 'bob', 'anonymous', 'unverified'] as const;
type ActorName = (typeof ACTORS)[number];

interface World {
  api: TestInstance;
  tokens: Record<ActorName, string | undefined>;
  ids: Record<string, string>;
  annId: string;
  url: string;
  /** A read URL ann signed for her object, per bucket. */
  signed: Record<string, string>;
}

/** What a refused read or write of a hidden record answers: a locked rule is 403, a rule that does not hold is 404 (as if missing). */
const hiddenStatus = (collection: string, rule: 'view' | 'update' | 'delete') => (RULES[collection][rule] === null ? 403 : 404);
const listStatus = (collection: string) => (RULES[collection].list === null ? 403 : 200);

/** An operation on one surface: sends the attack, answers the reply to judge. */
interface Attack {
  surface: 'http' | 'batch' | 'realtime';
  name: string;
  /** The exact status the attacker must get. */
  status: (collection: string) => number;
  run: (w: World, collection: string, token: string | undefined) => Promise<Reply>;
  /** For lists: the reply must hold no item. */
  empty?: boolean;
}

const records = (c: string) => `/collections/${c}/records`;
const get = (w: World, path: string, token?: string) => w.api.request('GET', w.api.p(path), { token });

const ATTACKS: Attack[] = [
  { surface: 'http', name: 'list', status: listStatus, empty: true, run: (w, c, tk) => get(w, records(c), tk) },
  { surface: 'http', name: 'list with count', status: listStatus, empty: true, run: (w, c, tk) => get(w, `${records(c)}?count=true`, tk) },
  { surface: 'http', name: 'list filtered on the secret', status: listStatus, empty: true, run: (w, c, tk) => get(w, `${records(c)}?filter=${encodeURIComponent("secret = 'SECRET'")}`, tk) },
  { surface: 'http', name: 'list filtered by id', status: listStatus, empty: true, run: (w, c, tk) => get(w, `${records(c)}?filter=${encodeURIComponent(`id = '${w.ids[c]}'`)}`, tk) },
  { surface: 'http', name: 'list sorted by the secret', status: listStatus, empty: true, run: (w, c, tk) => get(w, `${records(c)}?sort=-secret`, tk) },
  { surface: 'http', name: 'list filtered on the owner', status: listStatus, empty: true, run: (w, c, tk) => get(w, `${records(c)}?filter=${encodeURIComponent(`owner = '${w.annId}'`)}`, tk) },
  { surface: 'http', name: 'view', status: (c) => hiddenStatus(c, 'view'), run: (w, c, tk) => get(w, `${records(c)}/${w.ids[c]}`, tk) },
  { surface: 'http', name: 'view with fields', status: (c) => hiddenStatus(c, 'view'), run: (w, c, tk) => get(w, `${records(c)}/${w.ids[c]}?fields=secret`, tk) },
  { surface: 'http', name: 'empty update', status: (c) => hiddenStatus(c, 'update'), run: (w, c, tk) => w.api.request('PATCH', w.api.p(`${records(c)}/${w.ids[c]}`), { token: tk, body: {} }) },
  { surface: 'http', name: 'update of the secret', status: (c) => hiddenStatus(c, 'update'), run: (w, c, tk) => w.api.request('PATCH', w.api.p(`${records(c)}/${w.ids[c]}`), { token: tk, body: { secret: 'overwritten' } }) },
  { surface: 'http', name: 'update moving the owner', status: (c) => hiddenStatus(c, 'update'), run: (w, c, tk) => w.api.request('PATCH', w.api.p(`${records(c)}/${w.ids[c]}`), { token: tk, body: { owner: null } }) },
  { surface: 'http', name: 'delete', status: (c) => hiddenStatus(c, 'delete'), run: (w, c, tk) => w.api.request('DELETE', w.api.p(`${records(c)}/${w.ids[c]}`), { token: tk }) },
  {
    surface: 'http',
    name: 'create as the victim',
    status: (c) => (RULES[c].create === null ? 403 : c === 'dropbox' ? -1 : 403),
    run: (w, c, tk) => w.api.request('POST', w.api.p(records(c)), { token: tk, body: { owner: w.annId, secret: 'planted', published: false } }),
  },
  {
    surface: 'http',
    name: 'create reusing the unique value',
    status: (c) => (RULES[c].create === null ? 403 : c === 'dropbox' ? -1 : 403),
    run: (w, c, tk) => w.api.request('POST', w.api.p(records(c)), { token: tk, body: { owner: w.annId, slug: `slug-${c}` } }),
  },
  { surface: 'http', name: 'aggregate grouped by the secret', status: listStatus, empty: true, run: (w, c, tk) => get(w, `/collections/${c}/aggregate?groupBy=secret&select=count`, tk) },
  { surface: 'http', name: 'aggregate over the owner', status: listStatus, empty: true, run: (w, c, tk) => get(w, `/collections/${c}/aggregate?groupBy=owner&select=count`, tk) },
  { surface: 'batch', name: 'update', status: (c) => hiddenStatus(c, 'update'), run: (w, c, tk) => batch(w, tk, { action: 'update', collection: c, id: w.ids[c], data: { secret: 'overwritten' } }) },
  { surface: 'batch', name: 'empty update', status: (c) => hiddenStatus(c, 'update'), run: (w, c, tk) => batch(w, tk, { action: 'update', collection: c, id: w.ids[c], data: {} }) },
  { surface: 'batch', name: 'delete', status: (c) => hiddenStatus(c, 'delete'), run: (w, c, tk) => batch(w, tk, { action: 'delete', collection: c, id: w.ids[c] }) },
  {
    surface: 'batch',
    name: 'create as the victim',
    status: (c) => (RULES[c].create === null ? 403 : c === 'dropbox' ? -1 : 403),
    run: (w, c, tk) => batch(w, tk, { action: 'create', collection: c, data: { owner: w.annId, secret: 'planted', published: false } }),
  },
  { surface: 'realtime', name: 'subscribe to the list', status: (c) => (RULES[c].list === null ? 403 : 200), empty: true, run: (w, c, tk) => watch(w, c, tk, {}) },
  { surface: 'realtime', name: 'subscribe to the record', status: (c) => (RULES[c].view === null ? 403 : 200), empty: true, run: (w, c, tk) => watch(w, c, tk, { recordId: w.ids[c] }) },
  { surface: 'realtime', name: 'subscribe with since 0', status: (c) => (RULES[c].list === null ? 403 : 200), empty: true, run: (w, c, tk) => watch(w, c, tk, { since: 0 }) },
];

/** The bucket rules under attack; ann's object sits in her folder (`<ann id>/secret.txt`). */
const BUCKETS: Record<string, { read: string | null; write: string | null }> = {
  sealed: { read: null, write: null },
  homes: { read: 'auth.id != null && segment(object.path, 0) = auth.id', write: 'auth.id != null && segment(object.path, 0) = auth.id' },
  private: { read: 'auth.id != null && object.owner = auth.id', write: 'auth.id != null && segment(object.path, 0) = auth.id && object.owner = auth.id' },
};
/** A hidden object: a read rule that does not hold is 404 (as if missing), a locked one 403; writes are 403 when the rule refuses. */
const readRefusal = (b: string) => (BUCKETS[b].read === null ? 403 : 404);
const writeRefusal = () => 403;

interface StorageAttack {
  surface: 'storage' | 'signed';
  name: string;
  status: (bucket: string) => number;
  run: (w: World, bucket: string, token: string | undefined) => Promise<Reply>;
  empty?: boolean;
}
const objects = (b: string, path?: string) => `/storage/buckets/${b}/objects${path === undefined ? '' : `/${path}`}`;
const put = (w: World, b: string, path: string, token: string | undefined, type = 'text/plain') =>
  w.api.request('PUT', w.api.p(objects(b, path)), { token, body: 'planted', headers: { 'content-type': type } });

const STORAGE_ATTACKS: StorageAttack[] = [
  { surface: 'storage', name: 'download', status: readRefusal, run: (w, b, tk) => get(w, objects(b, `${w.annId}/secret.txt`), tk) },
  { surface: 'storage', name: 'download as attachment', status: readRefusal, run: (w, b, tk) => get(w, `${objects(b, `${w.annId}/secret.txt`)}?download`, tk) },
  { surface: 'storage', name: 'head', status: readRefusal, run: (w, b, tk) => w.api.request('HEAD', w.api.p(objects(b, `${w.annId}/secret.txt`)), { token: tk }) },
  { surface: 'storage', name: 'list the folder', status: (b) => (BUCKETS[b].read === null ? 403 : 200), empty: true, run: (w, b, tk) => get(w, `${objects(b)}?prefix=${w.annId}/`, tk) },
  { surface: 'storage', name: 'list everything', status: (b) => (BUCKETS[b].read === null ? 403 : 200), empty: true, run: (w, b, tk) => get(w, objects(b), tk) },
  { surface: 'storage', name: 'overwrite', status: writeRefusal, run: (w, b, tk) => put(w, b, `${w.annId}/secret.txt`, tk) },
  { surface: 'storage', name: 'plant a file in the victim\'s folder', status: writeRefusal, run: (w, b, tk) => put(w, b, `${w.annId}/avatar.png`, tk, 'image/png') },
  { surface: 'storage', name: 'delete', status: (b) => (BUCKETS[b].write === null ? 403 : 403), run: (w, b, tk) => w.api.request('DELETE', w.api.p(objects(b, `${w.annId}/secret.txt`)), { token: tk }) },
  { surface: 'signed', name: 'sign a read URL', status: readRefusal, run: (w, b, tk) => w.api.request('POST', w.api.p(`/storage/buckets/${b}/sign`), { token: tk, body: { path: `${w.annId}/secret.txt`, expiresIn: 60 } }) },
  {
    surface: 'signed',
    name: 'sign a write URL over the object',
    status: writeRefusal,
    run: (w, b, tk) => w.api.request('POST', w.api.p(`/storage/buckets/${b}/sign`), { token: tk, body: { path: `${w.annId}/secret.txt`, expiresIn: 60, action: 'write', contentType: 'text/plain' } }),
  },
  {
    surface: 'signed',
    name: 'a read URL of the victim, tampered to another path',
    status: () => 403,
    run: async (w, b) => {
      const url = new URL(w.signed[b]);
      return w.api.request('GET', w.api.p(`${objects(b, `${w.annId}/other.txt`)}?token=${encodeURIComponent(url.searchParams.get('token')!)}`));
    },
  },
];

/** A one-operation batch; its reply as the failing operation's (or the single result). */
async function batch(w: World, token: string | undefined, operation: Record<string, unknown>): Promise<Reply> {
  const res = await w.api.request('POST', w.api.p('/batch'), { token, body: { operations: [operation] } });
  if (res.status !== 200) return res;
  const [result] = res.body.results;
  return { status: result.status, body: result.body, headers: res.headers };
}

/**
 * Subscribes as the attacker, has the service role touch the secret record
 * (an update, which realtime judges before and after), and answers 200 with
 * the change frames received, or 403 when the subscription was refused.
 */
async function watch(w: World, collection: string, token: string | undefined, extra: Record<string, unknown>): Promise<Reply> {
  const client = await RealtimeClient.connect(w.url);
  try {
    if (token) await client.call({ op: 'auth', id: 'a', token });
    const ack = await client.call({ op: 'subscribe', id: 's', collection, ...extra });
    if (ack.op === 'error') return { status: ack.error.code === 'forbidden' ? 403 : 400, body: ack, headers: {} };
    await w.api.request('PATCH', w.api.p(`${records(collection)}/${w.ids[collection]}`), { token: w.api.secret, body: { note: `touched ${Date.now()}` } });
    await settle(150);
    return { status: 200, body: { items: client.frames.filter((f) => f.op === 'change') }, headers: {} };
  } finally {
    client.close();
  }
}

async function world(api: TestInstance): Promise<World> {
  const fields = [
    { name: 'owner', type: 'relation', collection: 'users' },
    { name: 'secret', type: 'text' },
    { name: 'slug', type: 'text', unique: true },
    { name: 'published', type: 'boolean' },
    { name: 'note', type: 'text' },
  ];
  const signUp = async (email: string) => {
    const res = await api.request('POST', api.p('/auth/signup'), { body: { email, password: 'correct horse battery' } });
    if (res.status !== 200 && res.status !== 201) throw new Error(JSON.stringify(res.body));
    return res.body as { user: { id: string }; session: { accessToken: string } };
  };
  const ann = await signUp('ann@example.com');
  const bob = await signUp('bob@example.com');
  const unverified = await signUp('eve@example.com');
  // Bob and ann are verified: a verified rule must still refuse bob on ann's records.
  for (const id of [ann.user.id, bob.user.id]) await api.request('PATCH', api.p(`/users/${id}`), { token: api.secret, body: { verified: true } });
  const anon = (await api.request('POST', api.p('/auth/anonymous'), {})).body as { session: { accessToken: string } };
  const ids: Record<string, string> = {};
  for (const [name, rules] of Object.entries(RULES)) {
    const res = await api.request('POST', api.p('/collections'), { token: api.secret, body: { name, fields, rules } });
    if (res.status !== 201) throw new Error(`${name}: ${JSON.stringify(res.body)}`);
    const rec = await api.request('POST', api.p(records(name)), {
      token: api.secret,
      body: { owner: ann.user.id, secret: `SECRET-${name}`, slug: `slug-${name}`, published: false },
    });
    if (rec.status !== 201) throw new Error(JSON.stringify(rec.body));
    ids[name] = rec.body.id;
  }
  const signed: Record<string, string> = {};
  for (const [name, rules] of Object.entries(BUCKETS)) {
    const res = await api.request('POST', api.p('/storage/buckets'), { token: api.secret, body: { name, rules } });
    if (res.status !== 201) throw new Error(`${name}: ${JSON.stringify(res.body)}`);
    // Sealed buckets take only the service role's uploads; the others ann's own.
    const token = rules.write === null ? api.secret : ann.session.accessToken;
    for (const path of ['secret.txt', 'other.txt']) {
      const up = await api.request('PUT', api.p(`/storage/buckets/${name}/objects/${ann.user.id}/${path}`), { token, body: `SECRET-${name}`, headers: { 'content-type': 'text/plain' } });
      if (up.status !== 200 && up.status !== 201) throw new Error(`${name}: ${up.status} ${JSON.stringify(up.body)}`);
    }
    const link = await api.request('POST', api.p(`/storage/buckets/${name}/sign`), { token, body: { path: `${ann.user.id}/secret.txt`, expiresIn: 600 } });
    if (link.status !== 200) throw new Error(`${name}: sign ${JSON.stringify(link.body)}`);
    signed[name] = link.body.url;
  }
  return {
    api,
    ids,
    signed,
    annId: ann.user.id,
    url: await listenRealtime(api),
    tokens: { guest: undefined, bob: bob.session.accessToken, anonymous: anon.session.accessToken, unverified: unverified.session.accessToken },
  };
}

forEachEngine(t, 'attack matrix: rule × actor × operation × surface', async (t, api) => {
  const w = await world(api);
  let engineCases = 0;
  for (const collection of Object.keys(RULES)) {
    for (const actor of ACTORS) {
      for (const attack of ATTACKS) {
        const status = attack.status(collection);
        const res = await attack.run(w, collection, w.tokens[actor]);
        const label = `${attack.surface} ${attack.name} on ${collection} as ${actor}`;
        engineCases++;
        const text = JSON.stringify(res.body ?? '');
        if (status === -1) {
          // The drop box lets anyone signed in create: a guest is refused; a creator never reads back more than they sent.
          t.ok(actor === 'guest' ? res.status === 403 : res.status === 201 || res.status === 204 || res.status === 409, `${label}: ${res.status}`);
        } else {
          t.equal(res.status, status, `${label}: ${status}`);
        }
        t.notOk(text.includes('SECRET-'), `${label}: no hidden data in the reply`);
        if (attack.empty && res.status === 200) t.same(res.body.items, [], `${label}: nothing listed`);
        if (attack.empty && res.status === 200 && res.body.total !== undefined) t.equal(res.body.total, 0, `${label}: counted nothing`);
      }
    }
  }
  for (const bucket of Object.keys(BUCKETS)) {
    for (const actor of ACTORS) {
      for (const attack of STORAGE_ATTACKS) {
        const res = await attack.run(w, bucket, w.tokens[actor]);
        const label = `${attack.surface} ${attack.name} in ${bucket} as ${actor}`;
        engineCases++;
        t.equal(res.status, attack.status(bucket), `${label}: ${attack.status(bucket)}`);
        t.notOk(JSON.stringify(res.body ?? '').includes('SECRET-'), `${label}: no hidden data in the reply`);
        if (attack.empty && res.status === 200) t.same(res.body.items, [], `${label}: nothing listed`);
      }
    }
    const kept = await get(w, objects(bucket, `${w.annId}/secret.txt`), api.secret);
    t.equal(kept.body, `SECRET-${bucket}`, `${bucket}: ann's object is unchanged`);
    t.equal((await get(w, objects(bucket, `${w.annId}/avatar.png`), api.secret)).status, 404, `${bucket}: nothing was planted`);
  }
  // Nothing the attackers sent changed the secret records.
  for (const [name, id] of Object.entries(w.ids)) {
    const rec = await api.request('GET', api.p(`${records(name)}/${id}`), { token: api.secret });
    t.equal(rec.status, 200, `${name}: the secret record still exists`);
    t.equal(rec.body.secret, `SECRET-${name}`, `${name}: and is unchanged`);
    t.equal(rec.body.owner, w.annId, `${name}: still ann's`);
  }
  t.comment(`attack matrix [${api.engine}]: ${engineCases} cases`);
  t.ok(engineCases >= 300, `at least 300 cases (${engineCases})`);
});
