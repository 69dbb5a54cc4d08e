/**
 * The dashboard's routes over real HTTP against a real producer (and Redis):
 * the page and its files come with a strict CSP, `no-cache` and a content
 * ETag that answers a revalidation with 304; unknown names are 404s, never a
 * path on disk; the page needs no token, its data does.
 */
import { expect } from 'chai';
import { loadStaticFiles } from '../../../producer/dashboard/static-files';
import { ASSET_PATH, DASHBOARD_CSP } from '../../../producer/routes/dashboard';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { request, type TestResponse } from '../../support/http';
import { deletePrefix } from '../../support/redis';
import { runProducer, type RunningProducer } from '../../support/service';

const files = loadStaticFiles();
const assets = [...files.keys()].filter((name) => name !== 'dashboard.html');

describe('dashboard routes: the page and its files over HTTP (real producer and Redis)', () => {
  let env: Record<string, string>;
  let producer: RunningProducer;
  const get = (path: string, headers: Record<string, string> = {}): Promise<TestResponse> => request(`${producer.url}${path}`, { headers });

  before(async () => {
    env = baseEnv();
    producer = await runProducer(env);
  });

  after(async () => {
    await producer.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  function expectCacheable(res: TestResponse, name: string): void {
    const file = files.get(name)!;
    expect(res.status, name).to.equal(200);
    expect(res.headers['content-type'], name).to.equal(file.type);
    expect(res.headers['cache-control'], name).to.equal('no-cache');
    expect(res.headers['etag'], name).to.equal(file.etag);
    expect(res.headers['x-content-type-options'], name).to.equal('nosniff');
    expect(res.text, name).to.equal(file.body.toString('utf8'));
  }

  it('serves the page with a CSP that allows nothing inline and nothing from elsewhere', async () => {
    const res = await get('/dashboard');
    expectCacheable(res, 'dashboard.html');
    expect(res.headers['content-security-policy']).to.equal(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).to.contain("default-src 'none'").and.contain("script-src 'self'").and.contain("style-src 'self'");
    expect(DASHBOARD_CSP).not.to.match(/unsafe-|data:|\*/);
    expect(res.headers['x-frame-options']).to.equal('DENY');
  });

  it('serves every file of the page with its type, no-cache and its ETag', async () => {
    expect(assets).to.include.members(['dashboard.css', 'main.js', 'icon.svg']);
    for (const name of assets) expectCacheable(await get(`${ASSET_PATH}${name}`), name);
    // A HEAD gets the same headers and no body.
    const head = await request(`${producer.url}${ASSET_PATH}main.js`, { method: 'HEAD' });
    expect([head.status, head.headers['etag'], head.headers['cache-control'], head.text]).to.deep.equal([200, files.get('main.js')!.etag, 'no-cache', '']);
  });

  it('answers a revalidation with 304 while unchanged, and with the file once the ETag differs', async () => {
    for (const [path, name] of [['/dashboard', 'dashboard.html'], [`${ASSET_PATH}main.js`, 'main.js']] as const) {
      const etag = files.get(name)!.etag;
      const fresh = await get(path, { 'if-none-match': etag });
      expect(fresh.status, path).to.equal(304);
      expect(fresh.text, path).to.equal('');
      expect(fresh.headers['etag'], path).to.equal(etag);
      expect(fresh.headers['cache-control'], path).to.equal('no-cache');
      // A copy from an older release has another ETag: the new file comes back in full.
      expectCacheable(await get(path, { 'if-none-match': '"from-the-last-release"' }), name);
    }
  });

  it('answers 404 for any name it does not hold, and never reads a path', async () => {
    for (const path of ['nope.js', '..%2Fstatic-files.js', '..%2F..%2F..%2Fpackage.json', '%2Fetc%2Fpasswd', 'dashboard.html', '']) {
      const res = await get(`${ASSET_PATH}${path}`);
      expect(res.status, path).to.equal(404);
      expect(res.body, path).to.deep.include({ error: 'not_found' });
    }
  });

  it('serves the page and its files without a token, and its data only with one', async () => {
    expect((await get('/v1/dashboard')).status).to.equal(401);
    const data = await get('/v1/dashboard', { authorization: `Bearer ${TEST_TOKEN}` });
    expect(data.status).to.equal(200);
    expect((data.body as { shards: unknown[] }).shards).to.have.length(8);
  });
});
