// The built dashboard in headless Chromium against a real server: what an
// admin does, found by role and label as a person (or a screen reader) finds it.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ADMIN, openDashboard, snap } from './dashboard.ts';

// The CI budget of the browser suite is 4 minutes on the 2-core machine.
t.setTimeout(240_000);

const P = 'shop';
const mine = 'auth.id != null && owner = auth.id';

/** The claims of a JWT (to know an access token's session). */
const sidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;

t.test('an admin runs a project from the dashboard', async (t) => {
  const opened = await openDashboard(t.teardown);
  if (!opened) return void t.pass('Chromium is not installed', { skip: true });
  const { api, url, page, problems } = opened;
  const admin = (method: string, path: string, body?: unknown) => api.request(method, `/v1/projects/${P}${path}`, { token: api.adminToken, body });
  await page.setViewportSize({ width: 1280, height: 800 });

  await t.test('sign in: a wrong password is a message, the right one signs in and survives a reload', async (t) => {
    await page.goto(`${url}/_/`);
    await page.getByRole('heading', { name: 'Sign in to the dashboard' }).waitFor();
    await snap(page, 'sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    t.match(await alert.textContent(), /Could not sign in.*invalid_credentials/);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    // The heading renders before the list arrives: wait for the row (a signed-out reload never shows it).
    const listed = await page.getByRole('link', { name: 'Test app' }).waitFor({ timeout: 15_000 }).then(() => true, () => false);
    t.ok(listed, 'the harness project is listed after the reload');
  });

  await t.test('create a project: the secret key is shown once and works', async (t) => {
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Project id').fill(P);
    await dialog.getByLabel('Name').fill('Shop');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    const secret = await page.getByLabel('Secret key', { exact: true }).textContent();
    t.match(secret, /^sk_/);
    const res = await api.request('GET', `/v1/projects/${P}/collections`, { token: secret! });
    t.equal(res.status, 200, 'the shown key is the project’s service role');
    await page.getByRole('link', { name: 'Open the project' }).click();
    await page.getByRole('heading', { name: 'Collections' }).waitFor();
    await snap(page, 'collections-empty');
  });

  await t.test('define a collection with a rule: syntax errors show as typed, with the column', async (t) => {
    await page.getByRole('link', { name: 'New collection' }).first().click();
    await page.getByLabel('Collection name').fill('products');
    const addField = async (name: string, type: string) => {
      await page.getByRole('button', { name: 'Add field' }).click();
      const group = page.getByRole('group', { name: 'Field new field' });
      await group.getByLabel('Type').selectOption(type);
      await group.getByLabel('Field name').fill(name);
      return page.getByRole('group', { name: `Field ${name}` });
    };
    await (await addField('title', 'text')).getByLabel('Required').check();
    await addField('price', 'number');
    await addField('owner', 'relation');
    await addField('photo', 'file');

    const list = page.getByRole('group', { name: 'List rule', exact: true });
    await list.getByRole('radio', { name: 'Rule' }).check();
    const expression = page.getByLabel('List rule expression');
    await expression.fill('auth.id != null && owner = ');
    t.match(await list.getByRole('alert').textContent(), /at column 28/, 'a syntax error, with its column, before saving');
    await expression.fill('auth.id != null && colour = auth.id');
    t.match(await list.getByRole('alert').textContent(), /colour/, 'an unknown field is caught too');
    await expression.fill(mine);
    await t.resolves(list.getByRole('alert').waitFor({ state: 'detached' }), 'the error goes once the rule is right');
    const view = page.getByRole('group', { name: 'View rule', exact: true });
    await view.getByRole('radio', { name: 'Rule' }).check();
    await page.getByLabel('View rule expression').fill(mine);
    await page.getByRole('group', { name: 'Create rule', exact: true }).getByRole('radio', { name: 'Everyone' }).check();
    await snap(page, 'schema-editor');
    await page.getByRole('button', { name: 'Create collection' }).click();
    await page.getByRole('heading', { name: 'products' }).waitFor();

    const def = (await admin('GET', '/collections/products')).body;
    t.same(def.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`), ['title:text', 'price:number', 'owner:relation', 'photo:file']);
    t.same(def.rules, { list: mine, view: mine, create: '', update: null, delete: null });
  });

  await t.test('records: add, edit and delete through the forms', async (t) => {
    await page.getByRole('button', { name: 'New record' }).first().click();
    let dialog = page.getByRole('dialog', { name: 'New record in products' });
    await dialog.getByLabel('title *').fill('Widget');
    await dialog.getByLabel('price').fill('12.5');
    await dialog.getByRole('button', { name: 'Create record' }).click();
    const table = page.getByRole('table', { name: 'Records of products' });
    const row = table.getByRole('row').filter({ hasText: 'Widget' });
    await row.waitFor();
    t.match(await row.textContent(), /12\.5/);

    await row.getByRole('button', { name: /^Edit record/ }).click();
    dialog = page.getByRole('dialog', { name: /^Edit record/ });
    await dialog.getByLabel('title *').fill('Gadget');
    await dialog.getByRole('button', { name: 'Save record' }).click();
    await table.getByRole('row').filter({ hasText: 'Gadget' }).waitFor();
    const stored = (await admin('GET', '/collections/products/records')).body.items;
    t.same(stored.map((r: { title: string; price: number }) => [r.title, r.price]), [['Gadget', 12.5]]);

    // A validation error is a readable message naming the field.
    await page.getByRole('button', { name: 'New record' }).first().click();
    dialog = page.getByRole('dialog', { name: 'New record in products' });
    await dialog.getByRole('button', { name: 'Create record' }).click();
    t.match(await dialog.getByRole('alert').textContent(), /Could not save the record.*title/s);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await table.getByRole('row').filter({ hasText: 'Gadget' }).getByRole('button', { name: /^Delete record/ }).click();
    await page.getByRole('dialog', { name: /^Delete record/ }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No records yet').waitFor();
    t.same((await admin('GET', '/collections/products/records')).body.items, []);
  });

  await t.test('filter bar: a bad filter shows the error and its column, a good one filters', async (t) => {
    for (const [title, price] of [['Cheap', 2], ['Mid', 10], ['Dear', 90]] as const) await admin('POST', '/collections/products/records', { title, price });
    await page.reload();
    const table = page.getByRole('table', { name: 'Records of products' });
    await table.getByRole('row').filter({ hasText: 'Dear' }).waitFor();
    const filter = page.getByLabel('Filter');
    await filter.fill('price > (5');
    const problem = page.locator('#records-filter-problem').getByRole('alert');
    t.match(await problem.textContent(), /expected '\)'.*at column 11/, 'checked as typed');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    t.match(await problem.textContent(), /at column 11/);
    await filter.fill('price > 5');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByText('2 records match the filter').waitFor();
    t.same(await table.getByRole('row').filter({ hasNotText: 'title' }).allTextContents().then((rows) => rows.map((r) => /Cheap|Mid|Dear/.exec(r)?.[0])), ['Dear', 'Mid']);
    await page.getByRole('button', { name: 'Sort by price' }).click();
    await page.waitForURL(/sort=-price/);
    await snap(page, 'records');
  });

  await t.test('live: a record written through the API appears without a reload, in place', async (t) => {
    await page.getByRole('button', { name: 'Clear filter' }).click();
    // A new column sorts descending first: newest first, where live creates join the page.
    await page.getByRole('button', { name: /^Sort by created_at/ }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === '-created_at');
    const table = page.getByRole('table', { name: 'Records of products' });
    await table.getByRole('row').filter({ hasText: 'Cheap' }).waitFor();
    await admin('POST', '/collections/products/records', { title: 'Arrived live', price: 1 });
    await table.getByRole('row').filter({ hasText: 'Arrived live' }).waitFor({ timeout: 5000 });
    const cheap = (await admin('GET', `/collections/products/records?filter=${encodeURIComponent("title = 'Cheap'")}`)).body.items[0];
    await admin('PATCH', `/collections/products/records/${cheap.id}`, { price: 3 });
    await table.getByRole('row').filter({ hasText: 'Cheap' }).getByRole('cell', { name: '3', exact: true }).waitFor({ timeout: 5000 });
    const mid = (await admin('GET', `/collections/products/records?filter=${encodeURIComponent("title = 'Mid'")}`)).body.items[0];
    await admin('DELETE', `/collections/products/records/${mid.id}`);
    await table.locator('tr.gone', { hasText: 'Mid' }).waitFor({ timeout: 5000 });
    t.pass('a create, an update and a delete reached the open table; the deleted row stays in place, struck through');
  });

  await t.test('storage: upload an image and preview it through a transform', async (t) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
    await page.getByRole('button', { name: 'New bucket' }).click();
    const dialog = page.getByRole('dialog', { name: 'New bucket' });
    await dialog.getByLabel('Bucket name').fill('images');
    await dialog.getByLabel('Allowed types').fill('image/*');
    await dialog.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByRole('heading', { name: 'Storage · images' }).waitFor();
    const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 47, g: 111, b: 237 } } }).png().toBuffer();
    await page.getByLabel('Upload files').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png });
    const thumb = page.getByRole('img', { name: 'Preview of photo.png' });
    await thumb.waitFor();
    await page.waitForFunction(() => (document.querySelector('img[alt="Preview of photo.png"]') as HTMLImageElement | null)?.naturalWidth);
    t.equal(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), 88, 'the thumbnail is the server’s 88 px transform of the 320 px image');
    t.match(await thumb.getAttribute('src'), /width=88&format=webp&token=|token=.*width=88/);
    const stored = (await admin('GET', '/storage/buckets/images/objects')).body.items;
    t.match(stored, [{ path: 'photo.png', contentType: 'image/png', size: png.length }]);
    await snap(page, 'storage');
    await page.getByRole('button', { name: 'Preview photo.png' }).click();
    const preview = page.getByRole('dialog', { name: 'photo.png' }).getByRole('img', { name: 'Preview of photo.png' });
    await preview.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('dialog img')].some((i) => (i as HTMLImageElement).naturalWidth > 0));
    t.equal(await preview.evaluate((img: HTMLImageElement) => img.naturalWidth), 320, 'never enlarged');
    await page.getByRole('dialog', { name: 'photo.png' }).getByRole('button', { name: 'Close' }).click();
  });

  // Two users with sessions, and records that belong to them.
  const signUp = async (email: string) => (await api.request('POST', `/v1/projects/${P}/auth/signup`, { body: { email, password: 'correct horse battery' } })).body;
  const ann = await signUp('ann@example.com');
  const annAgain = (await api.request('POST', `/v1/projects/${P}/auth/login`, { body: { email: 'ann@example.com', password: 'correct horse battery' } })).body;
  const bob = await signUp('bob@example.com');

  await t.test("users: revoke one of a user's sessions", async (t) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ hasText: 'ann@example.com' }).waitFor();
    await snap(page, 'users');
    await page.getByRole('button', { name: 'Sessions of ann@example.com' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sessions of ann@example.com' });
    const sid = sidOf(annAgain.session.accessToken);
    await dialog.getByRole('button', { name: `Revoke session ${sid}` }).click();
    await dialog.getByRole('button', { name: `Revoke session ${sid}` }).waitFor({ state: 'detached' });
    const user = (token: string) => api.request('GET', `/v1/projects/${P}/auth/user`, { token });
    t.equal((await user(annAgain.session.accessToken)).status, 401, 'the revoked session’s token stops working');
    t.equal((await user(ann.session.accessToken)).status, 200, 'her other session goes on');
    t.equal(await dialog.getByRole('button', { name: /^Revoke session/ }).count(), 1);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await page.getByLabel('Search users').fill('bob');
    await page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ hasText: 'ann@example.com' }).waitFor({ state: 'detached' });
    t.equal(await page.getByRole('table', { name: 'Users' }).getByRole('row').filter({ hasText: 'bob@example.com' }).count(), 1, 'search narrows the list');
  });

  await t.test('the rule tester answers what the API does for that user', async (t) => {
    for (const [title, owner] of [['Ann’s lamp', ann.user.id], ['Ann’s desk', ann.user.id], ['Bob’s chair', bob.user.id]]) {
      await admin('POST', '/collections/products/records', { title, owner });
    }
    await page.goto(`${url}/_/p/${P}/collections/products/schema`);
    await page.getByRole('heading', { name: 'Rule tester' }).waitFor();
    await page.getByLabel('Test as').selectOption({ label: 'ann@example.com' });
    await page.getByRole('button', { name: 'Test rules' }).click();
    const verdicts = page.getByRole('table', { name: 'Rule verdicts' });
    await verdicts.waitFor();
    const allowedByTester = await verdicts.locator('td[aria-label^="list "][aria-label$=": allowed"]').evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label')!.split(' ')[1].replace(':', '')));
    const listed = await api.request('GET', `/v1/projects/${P}/collections/products/records`, { token: ann.session.accessToken });
    t.equal(listed.status, 200);
    t.same(allowedByTester.sort(), listed.body.items.map((r: { id: string }) => r.id).sort(), 'the tester’s list verdicts are Ann’s list');
    t.equal(allowedByTester.length, 2);
    t.equal(await verdicts.locator('td[aria-label^="update "][aria-label$=": allowed"]').count(), 0, 'update is locked');

    // A create verdict: a proposed body against the (unsaved) create rule, as Ann.
    await page.getByRole('group', { name: 'Create rule', exact: true }).getByRole('radio', { name: 'Rule' }).check();
    await page.getByLabel('Create rule expression').fill(mine);
    const proposed = page.getByLabel('Proposed record for the create rule (JSON)');
    await proposed.fill('{"title": "forged", ');
    t.equal(await proposed.getAttribute('aria-invalid'), 'true', 'a body that is not JSON is said so');
    t.match(await page.locator('.field-error', { hasText: /JSON/ }).textContent(), /JSON/);
    t.ok(await page.getByRole('button', { name: 'Test rules' }).isDisabled());
    await proposed.fill(JSON.stringify({ title: 'forged', owner: bob.user.id }));
    await page.getByRole('button', { name: 'Test rules' }).click();
    await page.getByRole('status', { name: 'create: denied' }).waitFor();
    await proposed.fill(JSON.stringify({ title: 'Ann’s new lamp', owner: ann.user.id }));
    await page.getByRole('button', { name: 'Test rules' }).click();
    await page.getByRole('status', { name: 'create: allowed' }).waitFor();
    t.equal((await admin('GET', `/collections/products/records?filter=${encodeURIComponent("title = 'Ann’s new lamp'")}`)).body.items.length, 0, 'the tester stored nothing');
    await page.getByRole('heading', { name: 'Rule tester' }).scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 250);
    await snap(page, 'rule-tester');

    await page.getByLabel('Test as').selectOption({ label: 'A guest (signed out)' });
    await page.getByRole('button', { name: 'Test rules' }).click();
    await verdicts.locator('th', { hasText: '0 of' }).first().waitFor();
    t.equal(await verdicts.locator('td[aria-label^="list "][aria-label$=": allowed"]').count(), 0, 'a guest sees nothing');
    await page.getByRole('status', { name: 'create: denied' }).waitFor();
    t.pass('nor may a guest create under the draft rule');
  });

  await t.test('backups: run one now, download it, restore a project under a new id, delete it', async (t) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instance settings' }).click();
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.getByText('No backups yet').waitFor();
    await page.getByRole('button', { name: 'Run backup now' }).click();
    await page.getByText(/^Backup written: baas-instance-/).waitFor({ timeout: 60_000 });
    const table = page.getByRole('table', { name: 'Backups' });
    const row = table.getByRole('row').filter({ hasText: 'instance' });
    await row.getByText('ok', { exact: true }).waitFor();
    const [run] = (await api.request('GET', '/v1/admin/backups', { token: api.adminToken })).body.items;
    t.match(run, { scope: 'instance', status: 'ok', trigger: 'api', available: true });
    await snap(page, 'backups');

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /^Download backup/ }).click()]);
    t.equal(download.suggestedFilename(), run.file);
    const archive = await readFile((await download.path())!);
    t.equal(archive.length, run.size, 'the saved file is the whole archive');
    t.same([...archive.subarray(0, 2)], [0x1f, 0x8b], 'a gzip archive');

    await row.getByRole('button', { name: /^Restore from backup/ }).click();
    const dialog = page.getByRole('dialog', { name: /^Restore from/ });
    await dialog.getByLabel('Project in the backup').fill(P);
    await dialog.getByLabel('Type shop to confirm').fill(P);
    await dialog.getByRole('button', { name: 'Restore project' }).click();
    t.match(await dialog.getByRole('alert').textContent(), /project 'shop' exists/, 'under its own id a live project is refused, as a message');
    await dialog.getByLabel('Restore as (new project id)').fill('shop-copy');
    const restore = dialog.getByRole('button', { name: 'Restore project' });
    t.ok(await restore.isDisabled(), 'a new target needs its own typed confirmation');
    await dialog.getByLabel('Type shop-copy to confirm').fill('shop-copy');
    await snap(page, 'backup-restore');
    await restore.click();
    await dialog.getByText('Restored project shop as shop-copy').waitFor({ timeout: 60_000 });
    const copied = await api.request('GET', '/v1/projects/shop-copy/collections/products/records?limit=100', { token: api.adminToken });
    const original = await admin('GET', '/collections/products/records?limit=100');
    t.same(copied.body.items.map((r: { id: string }) => r.id).sort(), original.body.items.map((r: { id: string }) => r.id).sort(), 'the copy holds the same records');
    await dialog.getByRole('button', { name: 'Done' }).click();

    await row.getByRole('button', { name: /^Delete backup/ }).click();
    await page.getByRole('dialog', { name: /^Delete backup/ }).getByRole('button', { name: 'Delete backup' }).click();
    await page.getByText('No backups yet').waitFor();
    t.same((await api.request('GET', '/v1/admin/backups', { token: api.adminToken })).body.items, []);
    await api.request('DELETE', '/v1/admin/projects/shop-copy', { token: api.adminToken });
  });

  await t.test('email templates: placeholder errors as typed, a live preview, a test send, and the saved template in a real mail', async (t) => {
    await page.goto(`${url}/_/p/${P}/settings`);
    const section = page.getByRole('region', { name: 'Email templates' });
    await section.getByLabel('Email', { exact: true }).selectOption({ label: 'Password reset' });
    t.equal(await section.getByText('default', { exact: true }).count(), 1);
    await section.getByLabel('Subject').fill('Reset your {{app}} password, {{email}}');
    const body = section.getByLabel('Body');
    await body.fill('Hello,\n\nset a new one: {{link}}\nYour code: {{code}}');
    t.match(await section.getByRole('alert').textContent(), /\{\{code\}\} is not a placeholder of this email \(at line 4, column 12\)/, 'checked as typed, with the line and column');
    t.ok(await section.getByRole('button', { name: 'Save template' }).isDisabled(), 'a broken template cannot be saved');
    await body.fill('Hello {{email}},\n\nset a new one: {{link}}\n(valid for {{expires}})');
    const preview = section.getByRole('article', { name: 'Preview of the email' });
    t.match(await preview.textContent(), /Subject: Reset your Shop password, ann@example\.com/);
    t.match(await preview.textContent(), /set a new one: https:\/\/app\.example\.com\/#type=password_reset&token=this-is-a-sample-not-a-token\s*\(valid for 1 hour\)/);
    await section.getByLabel('Send this draft as a test to').fill('ops@example.com');
    await section.getByRole('button', { name: 'Send draft as test' }).click();
    await section.getByText('the test to ops@example.com is in the outbox').waitFor();
    await snap(page, 'email-templates');
    await section.getByRole('button', { name: 'Save template' }).click();
    await section.getByText(/^Template saved/).waitFor();
    await section.getByText('custom', { exact: true }).waitFor();

    await api.request('POST', `/v1/projects/${P}/auth/password-reset/request`, { body: { email: 'ann@example.com' } });
    await api.app.baas.mailer.idle();
    const [sent, testMail] = (await admin('GET', '/auth/outbox?limit=2')).body.items;
    t.equal(sent.subject, 'Reset your Shop password, ann@example.com');
    t.match(sent.text, /^Hello ann@example\.com,\n\nset a new one: http\S+#type=password_reset&token=[\w-]+\n\(valid for 1 hour\)$/, 'the mail of a real reset uses the saved template');
    t.equal(testMail.subject, '[test] Reset your Shop password, ops@example.com');
  });

  await t.test('logs and metrics: charts of the request log and the requests, filtered by project and status', async (t) => {
    for (let i = 0; i < 3; i++) await admin('GET', '/collections/products/records/no-such-record');
    await api.app.baas.requestLog.flush();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs and metrics' }).click();
    await page.getByRole('heading', { name: 'Logs and metrics' }).waitFor();
    t.equal(await page.getByLabel('Project').inputValue(), P, 'opened from a project, it shows that project');
    for (const chart of [/^Chart of requests per second/, /^Chart of the 5xx error rate/, /^Chart of p50 and p99 latency/]) {
      await page.getByRole('img', { name: chart }).locator('canvas').waitFor();
    }
    t.match(await page.getByRole('status', { name: 'Totals' }).textContent(), /^[1-9]\d* requests, 0 with a 5xx/);
    await page.getByLabel('Status').fill('404');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=404/);
    const table = page.getByRole('table', { name: 'Request log' });
    await page.waitForFunction(() => [...document.querySelectorAll('table[aria-label="Request log"] tbody tr')].every((r) => r.textContent!.includes('404')));
    const expected = (await api.request('GET', `/v1/admin/request-log?project=${P}&status=404&limit=50`, { token: api.adminToken })).body.items;
    t.ok(expected.length >= 3);
    t.equal(await table.locator('tbody tr').count(), expected.length, 'the table lists what the API does for the same filters');
    t.match(await table.locator('tbody tr').first().textContent(), /GET.*no-such-record.*404/);
    await page.getByLabel('Status').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((u) => !u.searchParams.has('status'));
    await table.locator('tbody tr', { hasText: '200' }).first().waitFor();
    await snap(page, 'logs');
  });

  await t.test('the other pages load, with no error, and are screenshotted', async (t) => {
    for (const [path, heading] of [
      ['realtime', 'Realtime'],
      ['keys', 'API keys'],
      ['settings', 'Settings'],
      ['collections', 'Collections'],
    ] as const) {
      await page.goto(`${url}/_/p/${P}/${path}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Loading' }).first().waitFor({ state: 'detached' }).catch(() => undefined);
      await snap(page, path);
    }
    // The realtime counts include this page's own connection.
    await page.goto(`${url}/_/p/${P}/realtime`);
    await page.getByLabel(/^connections: [1-9]/).waitFor();
    await admin('POST', '/collections/products/records', { title: 'Seen live' });
    await page.getByRole('log', { name: 'Changes' }).getByText(/Seen live/).waitFor();
    await snap(page, 'realtime');
    await page.goto(`${url}/_/`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await snap(page, 'projects');

    await page.setViewportSize({ width: 390, height: 844 });
    await snap(page, 'projects');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await snap(page, 'menu');
    for (const [path, heading] of [['logs', 'Logs and metrics'], ['settings', 'Instance settings']] as const) {
      await page.goto(`${url}/_/${path}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Loading' }).first().waitFor({ state: 'detached' }).catch(() => undefined);
      await snap(page, path);
    }
    // Last the records page: the keyboard test signs back in to the page that was open.
    await page.goto(`${url}/_/p/${P}/collections/products`);
    await page.getByRole('table', { name: 'Records of products' }).waitFor();
    await snap(page, 'records');
    await page.setViewportSize({ width: 1280, height: 800 });
    t.pass();
  });

  await t.test('keyboard: the sign-in form works without a mouse, with a visible focus ring', async (t) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the dashboard' }).waitFor();
    // The email field has focus on load; type, Tab, type, Enter.
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    t.equal(outline, 'solid', 'the focused field shows its focus');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'products' }).waitFor();
    t.pass('signed in by keyboard, back on the page that was open');
  });

  await t.test('a link in an auth email opens the hosted page when the project has no app URL', async (t) => {
    const guest = await opened.newPage();
    guest.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    await api.request('POST', `/v1/projects/${P}/auth/verify-email/request`, { body: { email: 'bob@example.com' } });
    await api.app.baas.mailer.idle();
    const outbox = (await admin('GET', '/auth/outbox')).body.items;
    const link = /https?:\/\/\S+#type=verify_email&token=\S+/.exec(outbox[0].text)![0];
    t.match(link, `/_/auth/${P}#type=verify_email`);
    await guest.goto(link.replace(/^https?:\/\/[^/]+/, url));
    await guest.getByText('bob@example.com is confirmed').waitFor();
    t.equal((await admin('GET', `/users/${bob.user.id}`)).body.verified, true);
    t.notMatch(guest.url(), /token=/, 'the token leaves the address bar');
    await snap(guest, 'email-link');
    await guest.close();
  });

  t.same(problems, [], 'no console error and no uncaught exception on any page');
});
