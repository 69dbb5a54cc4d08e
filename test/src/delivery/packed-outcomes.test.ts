/**
 * Counting a packed markers string in JS agrees with BITFIELD u3 on real Redis: slots across byte
 * boundaries, a string grown by a far slot (zeros between), and no partial slot at the end; and
 * the status read carries any string's bytes intact (six to a number) whatever its length.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { DeliveryMarkers } from '../../../src/delivery/delivery-markers';
import { bytesOfSixes, countSlots } from '../../../src/delivery/packed-outcomes';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, deletePrefix, withRedis } from '../../support/redis';

describe('packed outcomes (countSlots)', () => {
  let prefix: string;
  beforeEach(() => (prefix = uniquePrefix()));
  afterEach(() => deletePrefix(SHARED_REDIS_URL, prefix));

  it('counts what BITFIELD SET u3 wrote, slot by slot', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const key = `${prefix}:bits`;
      const codes = [1, 2, 3, 4, 0, 4, 3, 2, 1, 1, 7, 5, 6, 2];
      for (const [i, code] of codes.entries()) if (code) await call(c, 'BITFIELD', key, 'SET', 'u3', `#${i}`, code);
      await call(c, 'BITFIELD', key, 'SET', 'u3', '#1000', 4);
      // The raw bytes as integers (this connection would decode a bulk reply as UTF-8).
      const bytes = Buffer.from((await call<number[]>(c, 'BITFIELD_RO', key, ...Array.from({ length: 376 }, (_, i) => ['GET', 'u8', `#${i}`]).flat())).map(Number));
      expect(bytes.length).to.equal(Number(await call<number>(c, 'STRLEN', key)));
      const want = [0, 0, 0, 0, 0, 0, 0, 0];
      for (const code of codes) want[code]! += 1;
      want[4]! += 1;
      want[0]! += Math.floor((bytes.length * 8) / 3) - codes.length - 1;
      expect(countSlots(bytes)).to.deep.equal(want);
    });
  });

  it('has no slot for trailing bits too few for one', () => {
    // 8 bits: slots 0 and 1 (bits 0-5); bits 6-7 are no slot even when set.
    expect(countSlots(Uint8Array.of(0b001_010_11))).to.deep.equal([0, 1, 1, 0, 0, 0, 0, 0]);
    expect(countSlots(new Uint8Array(0))).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('agrees with a bit-by-bit reading for every length (groups of three bytes and the rest)', () => {
    for (let length = 0; length <= 31; length++) {
      const bytes = randomBytes(length);
      const want = [0, 0, 0, 0, 0, 0, 0, 0];
      const bit = (i: number): number => ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
      for (let slot = 0; (slot + 1) * 3 <= length * 8; slot++) want[(bit(3 * slot) << 2) | (bit(3 * slot + 1) << 1) | bit(3 * slot + 2)]! += 1;
      expect(countSlots(bytes), `${length} bytes`).to.deep.equal(want);
    }
  });

  it('splits numbers of six bytes back into bytes, dropping the padding', () => {
    expect([...bytesOfSixes([0x0102030405ff, 0xa0b0c0d0e0f0], 9)]).to.deep.equal([1, 2, 3, 4, 5, 255, 0xa0, 0xb0, 0xc0]);
    expect([...bytesOfSixes([0xffffffffffff], 6)]).to.deep.equal([255, 255, 255, 255, 255, 255]);
    expect([...bytesOfSixes([], 0)]).to.deep.equal([]);
  });

  it('reads any string through the status read intact: counts equal countSlots of its bytes, for every length', async () => {
    const keys = new QueueKeys(prefix);
    const markers = new DeliveryMarkers(keys, 60);
    const [shard] = buildShards(1);
    if (!shard) throw new Error('no shard');
    await withRedis(SHARED_REDIS_URL, async (c) => {
      for (const length of [0, 1, 2, 5, 6, 7, 11, 12, 13, 2344, 37_501]) {
        const bytes = randomBytes(length);
        const key = keys.outcomeBitsKey(shard, `m${length}`, 'e1');
        // node-redis sends a Buffer argument as its raw bytes (its types only list strings).
        if (length) await new Promise<void>((resolve, reject) => c.set(key, bytes as unknown as string, (err) => (err ? reject(err) : resolve())));
        const slots = countSlots(bytes);
        const got = await markers.counts(c, shard, `m${length}`, 'e1');
        expect(got, `${length} bytes`).to.deep.equal({ delivered: slots[1], failed: slots[2], expired: slots[3], collapsed: slots[4] });
      }
    });
  });
});
