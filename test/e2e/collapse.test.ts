import type { MessageStatus } from '../../src/message/message-status';
import { expect } from 'chai';
import { delay, waitFor } from '../../src/core/wait-for';
import type { Consumer } from '../../consumer/consumer';
import { type ProxyReply, type ReceivedPush, type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { backwardsSends, lastByPair } from '../support/collapse';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { deadLetters } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer, stopTestService } from '../support/service';


describe('collapse of superseded pushes (real Redis, real HTTP proxy)', () => {
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer | undefined;
  let consumer: Consumer | undefined;
  /** Every request the proxy got, whatever it answered, in arrival order. */
  const requests: ReceivedPush[] = [];
  let reply: (push: ReceivedPush, attempt: number) => ProxyReply;

  const start = async (extra: Record<string, string> = {}): Promise<void> => {
    proxy = await startStandInProxy({
      reply: (push, attempt) => {
        requests.push(push);
        return reply(push, attempt);
      },
    });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PUSH_RETRIES: '0', JOB_BACKOFF_MS: '200', JOB_BACKOFF_MAX_MS: '400', ...extra });
    producer = await runProducer(env);
  };
  const post = (messageId: string, senderId: string, recipientIds: string[], text = messageId) =>
    postJson(
      `${producer!.url}/v1/messages`,
      { messageId, roomId: 'room', senderId, recipientIds, collapseKey: 'room', notification: { body: text } },
      TEST_TOKEN,
    );
  const status = async (messageId: string): Promise<MessageStatus> =>
    (await request(`${producer!.url}/v1/messages/${messageId}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).body as MessageStatus;
  const sentOf = (messageId: string): ReceivedPush[] => requests.filter((p) => p.body['messageId'] === messageId);

  beforeEach(() => {
    requests.length = 0;
    reply = () => ({ status: 200 });
  });

  afterEach(async () => {
    await stopTestService({ consumer, producer, proxy, env });
    consumer = undefined;
    producer = undefined;
  });

  it('sends each member of a busy room only the newest message it is a recipient of, with the count it replaces, once the consumer starts', async () => {
    await start();
    const room = Array.from({ length: 50 }, (_, i) => `member-${String(i).padStart(2, '0')}`);
    const ids = Array.from({ length: 20 }, (_, k) => `burst-${String(k + 1).padStart(2, '0')}`);
    // Message k is sent by member k-1: distinct senders, each dropped from their own message.
    for (const [k, id] of ids.entries()) expect((await post(id, room[k]!, room, `text ${k + 1}`)).status).to.equal(202);
    consumer = await runConsumer(env);
    await waitFor(async () => (await Promise.all(ids.map(status))).every((s) => s.pending === 0), { timeoutMs: 20_000, description: 'every push settled' });
    const figures = `upstream requests: ${requests.length} (without collapse: ${20 * 49})`;
    process.stdout.write(`      ${figures}\n`);
    expect(requests, figures).to.have.length(49);
    for (const [k, member] of room.slice(0, 19).entries()) {
      const got = requests.filter((p) => p.body['recipientId'] === member);
      expect(got, member).to.have.length(1);
      // Member k wrote message k+1, so had read everything before it: message 20 replaced only messages k+2..19.
      expect(got[0]!.body, member).to.deep.include({ messageId: 'burst-20', notification: { title: null, body: 'text 20' }, collapsedCount: 18 - k });
    }
    for (const member of room.slice(20)) {
      const got = requests.filter((p) => p.body['recipientId'] === member);
      expect(got, member).to.have.length(1);
      expect(got[0]!.body, member).to.include({ messageId: 'burst-20', collapsedCount: 19 });
    }
    // The sender of the newest message wrote into the room, so has read it: message 19 is not pushed to them.
    expect(requests.filter((p) => p.body['recipientId'] === room[19])).to.deep.equal([]);
    const statuses = await Promise.all(ids.map(status));
    for (const s of statuses) expect(s.accepted).to.equal(s.delivered + s.failed + s.expired + s.collapsed + s.pending);
    expect(statuses[19]).to.include({ accepted: 49, delivered: 49, collapsed: 0, pending: 0 });
    expect(statuses.slice(0, 19).every((s) => s.collapsed === 49 && s.delivered === 0 && s.pending === 0)).to.equal(true);
    expect(await deadLetters(env)).to.deep.equal([]);
    // Counted once per push, as its marker changed: 980 pushes, 49 sent.
    expect(await consumer.metrics.registry.metrics()).to.match(/^push_fanout_pushes_collapsed_total 931$/m);
  });

  it('collapses a push waiting for its retry once a newer one is delivered, and never sends it after the newer one', async () => {
    reply = (push) => (push.body['messageId'] === 'old' ? { status: 503 } : { status: 200 });
    await start();
    consumer = await runConsumer(env);
    expect((await post('old', 's', ['r'])).status).to.equal(202);
    await waitFor(() => sentOf('old').length >= 1, { timeoutMs: 10_000, description: 'the first try of the old push' });
    expect((await post('new', 's', ['r'])).status).to.equal(202);
    await waitFor(async () => (await status('old')).collapsed === 1 && (await status('new')).delivered === 1, {
      timeoutMs: 10_000,
      description: 'old collapsed, new delivered',
    });
    const newAt = sentOf('new')[0]!.receivedAt;
    expect(sentOf('old').every((p) => p.receivedAt < newAt), 'no try of the old push after the new one').to.equal(true);
    expect(sentOf('new')[0]!.body).to.include({ collapsedCount: 1 });
    expect(await status('old')).to.include({ accepted: 1, delivered: 0, failed: 0, collapsed: 1, pending: 0 });
    expect(await deadLetters(env)).to.deep.equal([]);
  });

  it('collapses a replayed dead letter that a newer message superseded, and does not send it', async () => {
    reply = (push) => (push.body['messageId'] === 'old' ? { status: 410 } : { status: 200 });
    await start();
    consumer = await runConsumer(env);
    expect((await post('old', 's', ['r'])).status).to.equal(202);
    await waitFor(async () => (await deadLetters(env)).length === 1, { timeoutMs: 10_000, description: 'the dead letter' });
    expect((await post('new', 's', ['r'])).status).to.equal(202);
    await waitFor(async () => (await status('new')).delivered === 1, { timeoutMs: 10_000, description: 'the new push' });
    const replayed = await postJson(`${producer!.url}/v1/dead-letters/replay`, { messageId: 'old' }, TEST_TOKEN);
    expect(replayed.body).to.include({ replayed: 1 });
    await waitFor(async () => (await status('old')).collapsed === 1, { timeoutMs: 10_000, description: 'the replay collapsed' });
    expect(sentOf('old'), 'only the rejected first try').to.have.length(1);
    expect(await status('old')).to.include({ accepted: 1, delivered: 0, failed: 0, collapsed: 1, pending: 0 });
    // The rejected push was never shown, so the new one counts it among those it replaces.
    expect(sentOf('new')[0]!.body).to.include({ collapsedCount: 1 });
    expect(await deadLetters(env)).to.deep.equal([]);
  });

  it('sends a repeat POST of an old message id nothing new', async () => {
    await start();
    expect((await post('first', 's', ['r'])).status).to.equal(202);
    expect((await post('second', 's', ['r'])).status).to.equal(202);
    expect((await post('first', 's', ['r'])).status, 'a repeat is answered from the record').to.equal(200);
    consumer = await runConsumer(env);
    await waitFor(async () => (await status('first')).pending + (await status('second')).pending === 0, { timeoutMs: 10_000, description: 'settled' });
    expect(requests.map((p) => p.body['messageId'])).to.deep.equal(['second']);
    expect(await status('first')).to.include({ accepted: 1, collapsed: 1 });
  });

  it('with COLLAPSE_HOLD_MS=250, collapses a 1 s burst to a room even though the consumer keeps up', async () => {
    await start({ COLLAPSE_HOLD_MS: '250' });
    consumer = await runConsumer(env);
    const room = Array.from({ length: 10 }, (_, i) => `held-${i}`);
    const ids = Array.from({ length: 20 }, (_, k) => `held-msg-${String(k + 1).padStart(2, '0')}`);
    for (const id of ids) {
      expect((await post(id, 'outsider', room)).status).to.equal(202);
      // Pacing: the burst spreads over about a second, as a busy room's would.
      await delay(50);
    }
    await waitFor(async () => (await Promise.all(ids.map(status))).every((s) => s.pending === 0), { timeoutMs: 20_000, description: 'every push settled' });
    const perMember = requests.length / room.length;
    process.stdout.write(`      upstream requests per member with a 250 ms hold: ${perMember} (of ${ids.length} messages)\n`);
    expect(perMember).to.be.at.most(5);
    expect(backwardsSends(requests)).to.deep.equal([]);
    for (const last of lastByPair(requests).values()) expect(last.body['messageId']).to.equal(ids.at(-1));
  });
});
