import { expect } from 'chai';
import { ValidationError } from '../../../src/core/errors';
import { messageSchema } from '../../../src/message/message-schema';
import { validate } from '../../../src/message/validate';

const schema = messageSchema(5);

function valid(): Record<string, unknown> {
  return {
    messageId: 'm-1',
    roomId: 'room:1',
    senderId: 'alice@example.com',
    recipientIds: ['bob', 'carol'],
    notification: { title: 'Hi', body: 'Hello' },
  };
}

function problems(body: unknown): Array<{ path: string; message: string }> {
  try {
    validate(schema, body);
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return (err as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

describe('message-schema', () => {
  it('accepts a minimal message and every optional field', () => {
    expect(validate(schema, valid()).messageId).to.equal('m-1');
    const full = { ...valid(), data: { a: 1 }, collapseKey: 'k', priority: 'high', ttlSeconds: 60 };
    expect(validate(schema, full).priority).to.equal('high');
  });

  it('names each bad field', () => {
    const body = { ...valid(), roomId: '', recipientIds: 'bob', notification: { body: 7 }, priority: 'urgent' };
    const paths = problems(body).map((p) => p.path);
    expect(paths).to.include.members(['roomId', 'recipientIds', 'notification.body', 'priority']);
  });

  it('says "is required" for a missing field and names the wrong type otherwise', () => {
    const { senderId: _omit, ...rest } = valid();
    expect(problems(rest)).to.deep.include({ path: 'senderId', message: 'is required' });
    expect(problems({ ...valid(), senderId: 5 }).find((p) => p.path === 'senderId')?.message).not.to.equal('is required');
  });

  it('rejects unknown fields, including prototype keys', () => {
    expect(problems({ ...valid(), extra: 1 })[0]?.message).to.contain('extra');
    const polluted = JSON.parse('{"__proto__": {"admin": true}}') as object;
    expect(problems({ ...valid(), ...polluted })[0]?.message).to.contain('__proto__');
  });

  it('bounds ids in length and character set', () => {
    expect(problems({ ...valid(), messageId: 'x'.repeat(129) })[0]?.path).to.equal('messageId');
    expect(problems({ ...valid(), roomId: 'a{b}' })[0]?.path).to.equal('roomId');
    expect(problems({ ...valid(), recipientIds: ['ok', 'bad id'] })[0]?.path).to.equal('recipientIds.1');
    // Push keys are messageId:recipientId, so only recipient ids may contain a colon.
    expect(problems({ ...valid(), messageId: 'm:a' })[0]?.path).to.equal('messageId');
    expect(validate(schema, { ...valid(), recipientIds: ['user:1'] }).recipientIds).to.deep.equal(['user:1']);
  });

  it('caps recipients, body, data size and ttl', () => {
    expect(problems({ ...valid(), recipientIds: ['a', 'b', 'c', 'd', 'e', 'f'] })[0]?.path).to.equal('recipientIds');
    expect(problems({ ...valid(), recipientIds: [] })[0]?.path).to.equal('recipientIds');
    expect(problems({ ...valid(), notification: { body: 'x'.repeat(4097) } })[0]?.path).to.equal('notification.body');
    expect(problems({ ...valid(), data: { blob: 'x'.repeat(5000) } })[0]?.path).to.equal('data');
    expect(problems({ ...valid(), data: [1] })[0]?.path).to.equal('data');
    expect(problems({ ...valid(), ttlSeconds: 0 })[0]?.path).to.equal('ttlSeconds');
    expect(problems({ ...valid(), ttlSeconds: 1.5 })[0]?.path).to.equal('ttlSeconds');
  });

  it('reports a long list of problems in bounded form', () => {
    const many = messageSchema(1000);
    let details: Array<{ path: string }> = [];
    try {
      validate(many, { ...valid(), recipientIds: Array.from({ length: 500 }, () => 'bad id') });
    } catch (err) {
      details = (err as ValidationError).details;
    }
    expect(details).to.have.length(21);
    expect(details[20]?.path).to.equal('(body)');
  });
});
