-- KEYS[1]: the pair's state. ARGV: holder token, mark (the a-value of a delivered push; 0 if not delivered).
-- Never creates the hash: a state that expired stays gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'h') == ARGV[1] then redis.call('HDEL', KEYS[1], 'h', 'hl', 'hj') end
local mark = tonumber(ARGV[2])
if mark > 0 and mark > (tonumber(redis.call('HGET', KEYS[1], 'sa')) or 0) then redis.call('HSET', KEYS[1], 'sa', mark) end
return 1
