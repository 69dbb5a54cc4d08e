-- KEYS[1]: the pair's state. ARGV: holder token, lease ms. Returns 1 if the lease was still ours.
if redis.call('HGET', KEYS[1], 'h') ~= ARGV[1] then return 0 end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('HSET', KEYS[1], 'hl', now + tonumber(ARGV[2]))
return 1
