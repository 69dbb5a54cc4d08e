-- Re-asserts an intake's claim on the node that holds the record now, on the intake's own
-- connection, just before the intake WAITs for replicas: the claim fixed the epoch that every
-- push's id carries, and WAIT covers only writes made on its connection. A record a failover took
-- (the claim had not reached a replica) is written again as this claim, with the same epoch, expiry
-- and fingerprint, so a repeat of the message still finds the epoch of the pushes already queued.
-- KEYS[1] record; ARGV: now, owner, leaseMs, epoch, expiresAt, fingerprint
local now = tonumber(ARGV[1])
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'accepted' then return 'accepted' end
if state then
  if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[4] then return 'lost' end
  -- A write, so that the WAIT after it covers the claim; the intake is alive, so its lease is too.
  redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[3]))
  return 'held'
end
if tonumber(ARGV[5]) <= now then return 'lost' end
redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[2], 'lease', now + tonumber(ARGV[3]), 'epoch', ARGV[4], 'expiresAt', ARGV[5], 'fingerprint', ARGV[6])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return 'restored'
