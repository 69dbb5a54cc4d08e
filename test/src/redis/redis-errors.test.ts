import { expect } from 'chai';
import { isRoutingError, routingCause, writeRefusalCause } from '../../../src/redis/redis-errors';

/** An error reply shaped as node-redis v3 reports one: a ReplyError naming the command it answered. */
function replyError(message: string, code?: string): Error {
  const err = Object.assign(new Error(message), { command: 'EVALSHA' }, code ? { code } : {});
  err.name = 'ReplyError';
  return err;
}

describe('redis-errors', () => {
  it('treats cluster redirections and lost connections as routing errors, with a fixed cause label', () => {
    expect(routingCause(replyError('MOVED 3999 127.0.0.1:7001'))).to.equal('moved');
    expect(routingCause(replyError("READONLY You can't write against a read only replica."))).to.equal('readonly');
    expect(routingCause(replyError('UNBLOCKED force unblock from blocking operation'))).to.equal('unblocked');
    const lost = replyError('Redis connection lost and command aborted.', 'UNCERTAIN_STATE');
    expect(isRoutingError(lost)).to.equal(true);
    expect(routingCause(lost)).to.equal('connection');
  });

  it('looks inside EXECABORT for the reason a MULTI was refused', () => {
    const aborted = Object.assign(replyError('EXECABORT Transaction discarded because of previous errors.', 'EXECABORT'), {
      errors: [replyError('MOVED 866 127.0.0.1:7002')],
    });
    expect(isRoutingError(aborted)).to.equal(true);
    expect(routingCause(aborted)).to.equal('moved');
  });

  it('does not treat command errors as routing errors', () => {
    expect(isRoutingError(replyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).to.equal(false);
    expect(isRoutingError(replyError('OOM command not allowed when used memory > maxmemory'))).to.equal(false);
    expect(isRoutingError('MOVED')).to.equal(false);
  });

  it('names why Redis refused a write, also inside EXECABORT and script errors', () => {
    expect(writeRefusalCause(replyError("OOM command not allowed when used memory > 'maxmemory'.", 'OOM'))).to.equal('oom');
    expect(writeRefusalCause(replyError('MISCONF Redis is configured to save RDB snapshots', 'MISCONF'))).to.equal('misconf');
    expect(writeRefusalCause(replyError('NOREPLICAS Not enough good replicas to write.', 'NOREPLICAS'))).to.equal('noreplicas');
    expect(writeRefusalCause(replyError("READONLY You can't write against a read only replica.", 'READONLY'))).to.equal('readonly');
    const aborted = Object.assign(replyError('EXECABORT Transaction discarded because of previous errors.', 'EXECABORT'), {
      errors: [replyError("OOM command not allowed when used memory > 'maxmemory'.", 'OOM')],
    });
    expect(writeRefusalCause(aborted)).to.equal('oom');
    expect(writeRefusalCause(replyError("ERR Error running script: -OOM command not allowed when used memory > 'maxmemory'"))).to.equal('oom');
    expect(writeRefusalCause(replyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).to.equal(undefined);
    expect(writeRefusalCause('OOM')).to.equal(undefined);
  });
});
