import t from 'tap';
import { isAllowedRedirect } from './settings.ts';

t.test('isAllowedRedirect: same origin and a path within an allowed URL', async (t) => {
  const settings = { siteUrl: 'https://app.example.com', redirectUrls: ['http://localhost:3000/auth/', 'https://other.example.com/cb'] };
  const cases: Array<[string, boolean]> = [
    ['https://app.example.com', true],
    ['https://app.example.com/any/path?x=1#frag', true],
    ['http://app.example.com/', false],
    ['https://app.example.com:8443/', false],
    ['https://app.example.com.evil.com/', false],
    ['https://evil.com/?https://app.example.com', false],
    ['http://localhost:3000/auth/callback', true],
    ['http://localhost:3000/auth', false],
    ['http://localhost:3000/other', false],
    ['http://localhost:3000/auth/../other', false],
    ['https://other.example.com/cb', true],
    ['https://other.example.com/cb/x', true],
    ['https://other.example.com/cbx', false],
    ['javascript:alert(1)', false],
    ['//app.example.com/', false],
    ['/relative', false],
    ['https://user:pw@app.example.com/', false],
  ];
  for (const [url, allowed] of cases) t.equal(isAllowedRedirect(settings, url), allowed, url);
  t.equal(isAllowedRedirect({ siteUrl: null, redirectUrls: [] }, 'https://app.example.com'), false, 'nothing allowed by default');
});
