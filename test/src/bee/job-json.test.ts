import { expect } from 'chai';
import { jobJson, jobJsonFactory, jobJsonTemplate } from '../../../src/bee/job-json';

describe('job-json', () => {
  const data = { messageId: 'm', roomId: 'r', senderId: 's', notification: { body: 'a "quoted" \u0001 body' }, acceptedAt: 1 };
  const options = { retries: 2, timestamp: 5 };

  it('splices recipient and index into the template, byte for byte what jobJson writes', () => {
    const jsonFor = jobJsonFactory(data, options);
    expect(jsonFor('a"b', 0)).to.equal(jobJson({ ...data, recipientId: 'a"b', index: 0 }, options));
    expect(jsonFor('c', 12345)).to.equal(jobJson({ ...data, recipientId: 'c', index: 12345 }, options));
    expect(JSON.parse(jsonFor('c', 7)).data).to.deep.include({ recipientId: 'c', index: 7 });
  });

  it('writes no index when none is given, exactly as before indexes', () => {
    expect(jobJsonFactory(data, options)('a')).to.equal(jobJson({ ...data, recipientId: 'a' }, options));
  });

  it('refuses an index that is not a whole number >= 0', () => {
    const jsonFor = jobJsonFactory(data, options);
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => jsonFor('a', bad)).to.throw(RangeError);
  });

  it('cuts the JSON around recipient and index, so head + "id" + afterRecipient (+ index + afterIndex) is jobJson', () => {
    const indexed = jobJsonTemplate(data, options, true);
    expect(indexed.head + '"c"' + indexed.afterRecipient + '42' + indexed.afterIndex).to.equal(jobJson({ ...data, recipientId: 'c', index: 42 }, options));
    const plain = jobJsonTemplate(data, options, false);
    expect(plain.afterIndex).to.equal(undefined);
    expect(plain.head + '"c"' + plain.afterRecipient).to.equal(jobJson({ ...data, recipientId: 'c' }, options));
  });
});
