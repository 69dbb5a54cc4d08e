local state = redis.call('HGET', KEYS[1], 'state')
if state == 'accepted' then return 1 end
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'accepted', 'accepted', ARGV[1], 'acceptedAt', ARGV[2], 'lane', ARGV[5])
redis.call('HDEL', KEYS[1], 'owner', 'lease')
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if expiresAt then redis.call('PEXPIREAT', KEYS[1], expiresAt) else redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
