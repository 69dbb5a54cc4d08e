/**
 * Counting a packed markers string in JS agrees with BITFIELD u3 on real Redis: slots across byte
 * boundaries, a string grown by a far slot (zeros between), and no partial slot at the end.
 */
import { expect } from 'chai';
import { countSlots } from '../../../src/delivery/packed-outcomes';
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
});
