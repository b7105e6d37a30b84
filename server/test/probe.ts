import { startInstance } from './harness.ts';
const api = await startInstance('sqlite');
const sk = api.secret;
await api.request('POST', api.p('/collections'), { token: sk, body: { name: 'posts', fields: [{ name: 'title', type: 'text' }], rules: { list: '' } } });
const show = async (m: string, p: string, o: any = {}) => { const r = await api.request(m, p, o); console.log(m, p, r.status, JSON.stringify(r.body).slice(0, 400)); };
await show('GET', api.p('/collections/posts/records?filter=' + encodeURIComponent("title.name = 'x'")), { token: sk });
await show('POST', api.p('/collections/posts/records'), { token: sk, body: 'title=x', headers: { 'content-type': 'text/plain' } });
await show('GET', '/v1/admin/projects', { token: sk });
await api.close();
