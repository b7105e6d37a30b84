// The records browser's search box and its "Group by" view with a chart, in
// headless Chromium against a real server.
import t from 'tap';
import { ADMIN, openDashboard, snap } from './dashboard.ts';

t.setTimeout(120_000);

t.test('an admin searches records and groups them in a chart', async (t) => {
  const opened = await openDashboard(t.teardown);
  if (!opened) return void t.pass('Chromium is not installed', { skip: true });
  const { api, url, page, problems } = opened;
  const admin = (method: string, path: string, body?: unknown) => api.request(method, api.p(path), { token: api.adminToken, body });
  let res = await admin('POST', '/collections', {
    name: 'tickets',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'status', type: 'select', values: ['open', 'closed'] },
      { name: 'votes', type: 'integer' },
    ],
    search: ['title'],
    rules: { list: '', view: '', create: '', update: '', delete: '' },
  });
  t.equal(res.status, 201);
  const seed: Array<[string, string, number]> = [
    ['Printer jams on page two', 'open', 5],
    ['Printer out of toner', 'closed', 1],
    ['Login page is slow', 'open', 8],
    ['Cannot print labels', 'open', 2],
  ];
  for (const [title, status, votes] of seed) await admin('POST', '/collections/tickets/records', { title, status, votes });

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${url}/_/`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.goto(`${url}/_/p/${api.project}/collections/tickets`);
  const table = page.getByRole('table', { name: 'Records of tickets' });
  await table.getByRole('row').filter({ hasText: 'Login page' }).waitFor();

  await t.test('search: prefix words, ranked, with the count', async (t) => {
    await page.getByLabel('Search').fill('print');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByText('3 records match').waitFor();
    const titles = await table.getByRole('row').filter({ hasNotText: 'title' }).allTextContents();
    t.equal(titles.length, 3);
    t.ok(titles.every((row) => /print/i.test(row)), 'only matches');
    t.match(page.url(), /search=print/, 'the search is in the URL');
    await snap(page, 'records-search');
  });

  await t.test('group by: a bar chart and a table of the searched records, live', async (t) => {
    await page.getByRole('button', { name: 'Group by' }).click();
    const panel = page.getByRole('region', { name: 'Group by' });
    await panel.getByLabel('Group by').selectOption('status');
    const groups = panel.getByRole('table', { name: 'Records grouped by status' });
    await groups.getByRole('row').filter({ hasText: 'open' }).waitFor();
    const rows = async () => (await groups.getByRole('row').allTextContents()).slice(1);
    t.same(await rows(), ['open2', 'closed1'], 'the search applies: 2 open and 1 closed printer tickets, largest first');
    await panel.getByLabel('Measure').selectOption('sum(votes)');
    await groups.getByRole('row').filter({ hasText: '7' }).waitFor();
    t.same(await rows(), ['open7', 'closed1'], 'sum of votes per status');
    const chart = panel.getByRole('img', { name: /Bar chart: sum of votes by status/ });
    t.ok(await chart.locator('canvas').count(), 'the chart is drawn');

    await admin('POST', '/collections/tickets/records', { title: 'Printer on fire', status: 'closed', votes: 10 });
    await groups.getByRole('row').filter({ hasText: '11' }).waitFor();
    t.same(await rows(), ['closed11', 'open7'], 'a new record moves the chart');
    await snap(page, 'records-group-by');

    await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await panel.getByLabel('Group by').selectOption('day(created_at)');
    await panel.getByLabel('Measure').selectOption('count');
    const today = new Date().toISOString().slice(0, 10);
    const days = panel.getByRole('table', { name: 'Records grouped by day(created_at)' });
    await days.getByRole('row').filter({ hasText: today }).waitFor();
    t.same((await days.getByRole('row').allTextContents()).slice(1), [`${today}5`], 'all five records were created today (UTC)');
  });

  t.same(problems, [], 'no console errors');
});
