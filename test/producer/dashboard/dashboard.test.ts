/**
 * The operator dashboard in a real Chromium against a real producer,
 * consumer, Redis and stand-in proxy: sign in, watch the numbers, replay a
 * dead letter, look a message up. Console errors and page errors fail the
 * test, which is how a CSP violation (an inline script or style, an external
 * asset, an eval) shows up. The page's own files must reach the browser with
 * their cache headers, and a reload must revalidate each of them.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { waitFor } from '../../../src/core/wait-for';
import type { Consumer } from '../../../consumer/consumer';
import { loadStaticFiles } from '../../../producer/dashboard/static-files';
import { DASHBOARD_CSP } from '../../../producer/routes/dashboard';
import { LANES } from '../../../src/queue/lane';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { baseEnv, TEST_TOKEN } from '../../support/env';
import { postJson } from '../../support/http';
import { deadLetters } from '../../support/redis';
import { runConsumer, runProducer, type RunningProducer, stopTestService } from '../../support/service';
import {
  type FileResponse, launchChromium, lookUp, openPage, recordFileResponses, saveScreenshot, shownShards, signIn, waitForText,
} from './dashboard-browser';

const FILES = loadStaticFiles();
/** The path each file is served at. */
const pathOf = (name: string): string => (name === 'dashboard.html' ? '/dashboard' : `/dashboard/static/${name}`);
const nameOf = (path: string): string => (path === '/dashboard' ? 'dashboard.html' : path.replace('/dashboard/static/', ''));

/** Waits until the browser has had every file of the page, then returns what it got. */
async function allFiles(read: () => Promise<FileResponse[]>): Promise<FileResponse[]> {
  const wanted = [...FILES.keys()].map(pathOf).sort();
  let seen: FileResponse[] = [];
  await waitFor(async () => {
    seen = await read();
    const missing = wanted.filter((path) => !seen.some((r) => r.path === path));
    if (missing.length > 0) throw new Error(`not yet: ${missing.join(', ')}`);
    return true;
  }, { timeoutMs: 5000, description: 'every dashboard file to load' });
  expect(seen.map((r) => r.path).sort(), 'each file once').to.deep.equal(wanted);
  return seen;
}

describe('dashboard page in Chromium (real Redis, consumer and proxy)', function () {
  this.timeout(60_000);
  let env: Record<string, string> | undefined;
  let proxy: StandInProxy | undefined;
  let producer: RunningProducer | undefined;
  let consumer: Consumer | undefined;
  let browser: Browser | undefined;
  let accepting = false;

  before(async () => {
    proxy = await startStandInProxy({
      reply: (push) => (!accepting && push.body['recipientId'] === 'bob' ? { status: 410 } : { status: 200 }),
    });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url });
    producer = await runProducer(env);
    // Two messages with one collapseKey, queued before the consumer starts: the older one collapses.
    for (const messageId of ['dash-old', 'dash-new']) {
      const room = { messageId, roomId: 'ops', senderId: 'alice', recipientIds: ['erin'], collapseKey: 'ops', notification: { body: messageId } };
      expect((await postJson(`${producer.url}/v1/messages`, room, TEST_TOKEN)).status).to.equal(202);
    }
    consumer = await runConsumer(env);
    const message = { messageId: 'dash-1', roomId: 'ops', senderId: 'alice', recipientIds: ['alice', 'bob', 'carol', 'dave'], notification: { title: 'Hi', body: 'hello' } };
    expect((await postJson(`${producer.url}/v1/messages`, message, TEST_TOKEN)).status).to.equal(202);
    const settled = env;
    await waitFor(async () => proxy?.deliveries.size === 3 && (await deadLetters(settled)).length === 1, {
      timeoutMs: 15_000,
      description: 'three deliveries and one dead letter',
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stopTestService({ consumer, producer, proxy, env });
  });

  it('shows lanes, shards, totals and dead letters, replays one and looks a message up', async () => {
    const errors: string[] = [];
    const page = await openPage(browser!, errors);
    const url = producer!.url;
    const read = recordFileResponses(page);
    await signIn(page, url, TEST_TOKEN);
    await page.getByTestId('dashboard').waitFor({ state: 'visible' });
    expect(page.url()).not.to.contain(TEST_TOKEN);
    // The page, its stylesheet, every module and the icon, each with its type and cache headers.
    for (const res of await allFiles(read)) {
      const file = FILES.get(nameOf(res.path))!;
      expect([res.status, res.headers['content-type'], res.headers['cache-control'], res.headers['etag']], res.path)
        .to.deep.equal([200, file.type, 'no-cache', file.etag]);
    }
    const document = (await read()).find((r) => r.path === '/dashboard');
    expect(document?.headers['content-security-policy']).to.equal(DASHBOARD_CSP);
    // One card per lane, drawn from the page's template, in the service's lane order.
    expect(await page.getByTestId('lane-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-lane')))).to.deep.equal(LANES);
    // Four shards in each lane, interactive first; a shard number repeats across lanes.
    const shards = await shownShards(page);
    expect(shards.map((s) => `${s.lane}/${s.index}`)).to.deep.equal([0, 1, 2, 3].map((i) => `interactive/${i}`).concat([0, 1, 2, 3].map((i) => `bulk/${i}`)));
    expect(await page.getByTestId('shard-group').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lane')))).to.deep.equal(['interactive', 'bulk']);
    await waitForText(page, 'total-delivered', '3');
    await waitForText(page, 'total-collapsed', '1');

    const bob = page.getByTestId('dead-letter-row').filter({ hasText: 'bob' });
    await bob.waitFor();
    expect(await page.getByTestId('dead-letter-row').count()).to.equal(1);
    expect(await bob.getByTestId('dead-letter-reason').textContent()).to.equal('rejected');
    expect(await bob.getByTestId('dead-letter-message').textContent()).to.equal('dash-1');
    expect(await bob.getByTestId('dead-letter-lane').textContent()).to.equal('interactive');

    // "Replay all" asks first; dismissing it replays nothing.
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByTestId('replay-all').click();
    await waitFor(() => dialogs.length === 1, { timeoutMs: 5000, description: 'the replay-all confirmation' });
    expect(dialogs[0]).to.contain('Replay all 1 dead letters');

    await lookUp(page, 'dash-1');
    await waitForText(page, 'lookup-delivered', '2');
    await waitForText(page, 'lookup-failed', '1');
    await waitForText(page, 'lookup-lane', 'interactive');
    await waitForText(page, 'interactive-throughput', /^\d/);
    await waitForText(page, 'bulk-waiting', '0');
    await saveScreenshot(page, 'dashboard.png');

    accepting = true;
    await bob.getByTestId('replay-message').click();
    await waitForText(page, 'notice', 'Replayed 1 dead letter of dash-1.');
    await waitFor(async () => (await page.getByTestId('dead-letter-row').count()) === 0, { timeoutMs: 15_000, description: 'an empty dead-letter list' });
    await waitForText(page, 'total-delivered', '4');
    await waitForText(page, 'total-dead-letters', '0');
    expect(proxy!.deliveries.size).to.equal(4);

    await lookUp(page, 'dash-1');
    await waitForText(page, 'lookup-delivered', '3');
    await waitForText(page, 'lookup-failed', '0');
    await waitForText(page, 'lookup-collapsed', '0');
    await lookUp(page, 'dash-old');
    await waitForText(page, 'lookup-collapsed', '1');
    await waitForText(page, 'lookup-delivered', '0');
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });

  it('answers a wrong token with the form and an error, and keeps a good one for the tab', async () => {
    const errors: string[] = [];
    const page = await openPage(browser!, errors);
    const url = producer!.url;
    await signIn(page, url, 'not-the-token');
    await waitForText(page, 'token-error', 'invalid token');
    expect(await page.getByTestId('token-input').isVisible()).to.equal(true);
    expect(await page.getByTestId('dashboard').isVisible()).to.equal(false);
    expect(await page.evaluate('sessionStorage.length')).to.equal(0);

    await page.getByTestId('token-input').fill(TEST_TOKEN);
    await page.getByTestId('token-submit').click();
    await page.getByTestId('dashboard').waitFor({ state: 'visible' });
    // A reload in the same tab signs straight back in from sessionStorage,
    // after asking for every file again with the ETag of the copy it holds.
    const read = recordFileResponses(page);
    await page.reload();
    await page.getByTestId('dashboard').waitFor({ state: 'visible' });
    expect(page.url()).to.equal(`${url}/dashboard`);
    for (const res of await allFiles(read)) {
      expect(res.ifNoneMatch, res.path).to.equal(FILES.get(nameOf(res.path))!.etag);
      // Chromium reports a revalidated document (and icon) as the 200 it keeps; scripts and styles show the 304.
      if (/\.(js|css)$/.test(res.path)) expect(res.status, res.path).to.equal(304);
    }

    await lookUp(page, 'no-such-message');
    await waitForText(page, 'lookup-result', 'Message no-such-message not found.');
    // The browser itself logs the 401 and the 404 answers this test asks for; nothing else may appear.
    const unexpected = errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|404)/.test(e));
    expect(unexpected).to.deep.equal([]);
    await page.context().close();
  });
});
