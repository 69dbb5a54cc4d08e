import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { type ReceivedPush, type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { ConsumerFleet } from '../support/chaos';
import { backwardsSends, lastByPair, pairOf } from '../support/collapse';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { runProducer, type RunningProducer, stopTestService } from '../support/service';

const ROOMS = 10;
const MEMBERS = 10;
const MESSAGES_PER_ROOM = 30;

describe('collapse: never older after newer through a consumer SIGKILL mid-burst (real Redis, real processes)', function () {
  this.timeout(90_000);
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer | undefined;
  let fleet: ConsumerFleet | undefined;
  /** Every request in arrival order (what "sent after" means), whatever the answer. */
  const arrivals: ReceivedPush[] = [];

  afterEach(async () => {
    await fleet?.stopAll();
    await stopTestService({ producer, proxy, env });
  });

  it('keeps every recipient and key in acceptance order, and ends each on its newest message', async () => {
    // Each push takes 20 ms at the proxy, so sends are in flight when the consumer dies.
    proxy = await startStandInProxy({ reply: (push) => (arrivals.push(push), { status: 200, delayMs: 20 }) });
    env = baseEnv({
      PUSH_PROXY_URL: proxy.url,
      STALL_INTERVAL_MS: '1000',
      COLLAPSE_LEASE_MS: '2000',
      CONSUMER_CONCURRENCY: '20',
      JOB_BACKOFF_MS: '100',
      JOB_BACKOFF_MAX_MS: '500',
      LOG_LEVEL: 'error',
    });
    producer = await runProducer(env);
    fleet = new ConsumerFleet(env, 1);
    // Member 'shared' is in every room: one recipient with ten keys.
    const members = (room: number): string[] => [...Array.from({ length: MEMBERS - 1 }, (_, i) => `r${room}-m${i}`), 'shared'];
    const newest = new Map<string, string>();
    const burst = Array.from({ length: ROOMS }, async (_, room) => {
      for (let k = 0; k < MESSAGES_PER_ROOM; k++) {
        const messageId = `room${room}-${String(k).padStart(2, '0')}`;
        const sender = members(room)[k % MEMBERS]!;
        const body = { messageId, roomId: `room${room}`, senderId: sender, recipientIds: members(room), collapseKey: `room${room}`, notification: { body: messageId } };
        expect((await postJson(`${producer!.url}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
        for (const m of members(room)) if (m !== sender) newest.set(`${m}\u0000room${room}`, messageId);
      }
    });
    await waitFor(() => arrivals.length >= 40, { timeoutMs: 20_000, description: 'the burst in flight' });
    const sentBeforeKill = arrivals.length;
    await fleet.killAndRestart(0);
    await Promise.all(burst);
    const settled = async (): Promise<boolean> => {
      const last = lastByPair(arrivals);
      return [...newest].every(([pair, id]) => last.get(pair)?.body['messageId'] === id && proxy.deliveries.has(last.get(pair)!.idempotencyKey));
    };
    await waitFor(settled, { timeoutMs: 45_000, description: () => `every pair to end on its newest message (${arrivals.length} requests so far)` });
    const pending = async (): Promise<number> => {
      let sum = 0;
      for (let room = 0; room < ROOMS; room++) {
        for (let k = 0; k < MESSAGES_PER_ROOM; k++) {
          const res = await request(`${producer!.url}/v1/messages/room${room}-${String(k).padStart(2, '0')}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
          const s = res.body as Record<string, number>;
          expect(s['accepted']).to.equal(s['delivered']! + s['failed']! + s['expired']! + s['collapsed']! + s['pending']!);
          sum += s['pending']!;
        }
      }
      return sum === 0 ? 1 : 0;
    };
    await waitFor(pending, { timeoutMs: 30_000, description: 'every push settled in the status' });
    const figures = `requests: ${arrivals.length} (${sentBeforeKill} before the kill) for ${ROOMS * MESSAGES_PER_ROOM * (MEMBERS - 1)} pushes`;
    process.stdout.write(`      ${figures}\n`);
    expect(backwardsSends(arrivals), figures).to.deep.equal([]);
    expect(new Set(arrivals.map(pairOf)).size).to.equal(newest.size);
  });
});
