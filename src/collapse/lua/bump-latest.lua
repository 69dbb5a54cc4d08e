-- KEYS: one state hash per recipient. ARGV: epoch ms, message id, record expiry (epoch ms).
-- A strictly newer position becomes the latest and counts one accepted push; a repeat (a takeover
-- re-writing the same message) or an older one changes nothing but the expiry.
local t, m, exp = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
for _, key in ipairs(KEYS) do
  local s = redis.call('HMGET', key, 'lt', 'lm', 'x')
  if newer(t, m, tonumber(s[1]), s[2]) then
    redis.call('HSET', key, 'lt', t, 'lm', m)
    redis.call('HINCRBY', key, 'a', 1)
  end
  extend(key, tonumber(s[3]), exp)
end
return #KEYS
