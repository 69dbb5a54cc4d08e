local state = redis.call('HGET', KEYS[1], 'state')
local now = tonumber(ARGV[1])
if state == 'accepted' then return {'duplicate', redis.call('HGET', KEYS[1], 'accepted'), redis.call('HGET', KEYS[1], 'lane')} end
-- A claim re-sent after a lost reply finds its own lease: that is still a claim, not a conflict.
if state and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] and tonumber(redis.call('HGET', KEYS[1], 'lease')) > now then
  return {'busy'}
end
-- The first claim fixes the recipients' fingerprint: a takeover's marker slots (positions in
-- that list) must mean the same recipients. A record from before fingerprints is not checked,
-- and its takeover stays unindexed like the pushes that intake already queued.
local fingerprint = redis.call('HGET', KEYS[1], 'fingerprint')
if state and fingerprint and fingerprint ~= ARGV[6] then return {'conflict'} end
local indexed = '1'
if state and not fingerprint then indexed = '0' end
if not state then redis.call('HSET', KEYS[1], 'fingerprint', ARGV[6]) end
-- A takeover keeps the first claim's epoch and expiry: same job ids, no longer life.
local epoch = redis.call('HGET', KEYS[1], 'epoch') or ARGV[4]
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt') or ARGV[5]
redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[2], 'lease', now + tonumber(ARGV[3]), 'epoch', epoch, 'expiresAt', expiresAt)
redis.call('PEXPIREAT', KEYS[1], expiresAt)
return {'claimed', epoch, expiresAt, indexed}
