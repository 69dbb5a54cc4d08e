/**
 * The dashboard's lanes in a real Chromium against a real producer, consumer,
 * Redis and stand-in proxy: during a consumer outage a broadcast queues in
 * the bulk lane and a DM in the interactive lane, and the page shows each
 * where it is (lane cards, the shard rows of each lane, the lookup, the
 * dead-letter list), then both drain when a consumer comes back.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { Consumer } from '../../../consumer/consumer';
import type { ShardDepth } from '../../../src/metrics/queue-depth';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { baseEnv, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';

import { runConsumer, runProducer, type RunningProducer, stopTestService } from '../../support/service';
import { launchChromium, lookUp, openPage, saveScreenshot, shownShards, signIn, waitForText } from './dashboard-browser';

/** Rooms of this many go to the bulk lane by size alone. */
const BULK_MIN_RECIPIENTS = 10;
const BROADCAST = Array.from({ length: 40 }, (_, i) => `fan-${String(i).padStart(2, '0')}`);

function message(messageId: string, recipientIds: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messageId, roomId: `room-${messageId}`, senderId: 'ops-bot', recipientIds, notification: { title: 'Hi', body: 'hello' }, ...extra };
}

describe('dashboard lanes in Chromium (real Redis, consumer and proxy)', function () {
  this.timeout(90_000);
  let env: Record<string, string> | undefined;
  let proxy: StandInProxy | undefined;
  let producer: RunningProducer | undefined;
  let consumer: Consumer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    proxy = await startStandInProxy({ reply: (push) => ({ status: push.body['recipientId'] === 'zed' ? 410 : 200 }) });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, BULK_MIN_RECIPIENTS: String(BULK_MIN_RECIPIENTS) });
    producer = await runProducer(env);
    consumer = await runConsumer(env);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stopTestService({ consumer, producer, proxy, env });
  });

  async function post(body: Record<string, unknown>): Promise<void> {
    expect((await postJson(`${producer!.url}/v1/messages`, body, TEST_TOKEN)).status, String(body['messageId'])).to.equal(202);
  }

  it('shows a backlog in the lane it is in, shard by shard, and the lane of a message and of a dead letter', async () => {
    const errors: string[] = [];
    const page = await openPage(browser!, errors);
    await signIn(page, producer!.url, TEST_TOKEN);
    await page.getByTestId('dashboard').waitFor({ state: 'visible' });

    // Two pushes the caller marks as bulk; the proxy rejects one: a dead letter of the bulk lane.
    await post(message('dash-bulk-1', ['zed', 'yan'], { lane: 'bulk' }));
    const zed = page.getByTestId('dead-letter-row').filter({ hasText: 'zed' });
    await zed.waitFor({ timeout: 15_000 });
    expect(await zed.getByTestId('dead-letter-lane').textContent()).to.equal('bulk');

    // A consumer outage: what is sent now waits in Redis, each push in its lane.
    await consumer!.close(1000);
    consumer = undefined;
    await post(message('dash-dm', ['ops-bot', 'erin']));
    await post(message('dash-bulk-2', BROADCAST));
    await waitForText(page, 'bulk-waiting', String(BROADCAST.length));
    await waitForText(page, 'interactive-waiting', '1');
    await waitForText(page, 'bulk-oldest', /^(?!0 s$)\d/);

    // Every row shows its own shard's depth: lane and number together name a shard.
    const reply = await request(`${producer!.url}/v1/dashboard`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const key = (s: { lane: string; index: number; waiting: number }): string => `${s.lane}/${s.index}=${s.waiting}`;
    const depths = (reply.body as { shards: ShardDepth[] }).shards;
    const shown = await shownShards(page);
    expect(shown.map(key).sort()).to.deep.equal(depths.map(key).sort());
    const waitingIn = (lane: string): number => shown.filter((s) => s.lane === lane).reduce((n, s) => n + s.waiting, 0);
    expect(waitingIn('bulk'), 'bulk rows').to.equal(BROADCAST.length);
    expect(waitingIn('interactive'), 'interactive rows').to.equal(1);
    expect(shown.filter((s) => s.lane === 'bulk' && s.waiting > 0).length, 'bulk shards holding the broadcast').to.be.at.least(2);

    await lookUp(page, 'dash-bulk-2');
    await waitForText(page, 'lookup-lane', 'bulk');
    await waitForText(page, 'lookup-pending', String(BROADCAST.length));
    await saveScreenshot(page, 'dashboard-lanes.png');

    // A consumer comes back and drains both lanes.
    consumer = await runConsumer(env!);
    await waitForText(page, 'bulk-waiting', '0', 30_000);
    await waitForText(page, 'interactive-waiting', '0');
    await lookUp(page, 'dash-dm');
    await waitForText(page, 'lookup-lane', 'interactive');
    await waitForText(page, 'lookup-delivered', '1');
    await lookUp(page, 'dash-bulk-2');
    await waitForText(page, 'lookup-delivered', String(BROADCAST.length));
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });
});
