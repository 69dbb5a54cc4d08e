local prev = redis.call('HGET', KEYS[1], ARGV[1])
local next = ARGV[2]
if prev == next or prev == 'd' or prev == 'e' or prev == 'c' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], next)
if prev then
  redis.call('HINCRBY', KEYS[2], prev, -1)
  redis.call('HINCRBY', KEYS[3], prev, -1)
end
redis.call('HINCRBY', KEYS[2], next, 1)
redis.call('HINCRBY', KEYS[3], next, 1)
if ARGV[4] ~= '0' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  redis.call('PEXPIREAT', KEYS[2], ARGV[4])
else
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1
