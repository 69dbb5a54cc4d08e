-- KEYS: one state hash per recipient. ARGV: epoch ms, message id, record expiry (epoch ms), mode.
-- A strictly newer position becomes the latest and counts one accepted push; a repeat (a takeover
-- re-writing the same message) or an older one changes nothing but the expiry.
-- Mode 'seen' is the sender's own pair: the message becomes the latest, so the sender's waiting
-- pushes with this key collapse (they are in the room and have read them), and nothing is counted
-- for them (sa = a): the sender's next push reports only what came after their own message.
local t, m, exp, seen = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4] == 'seen'
for _, key in ipairs(KEYS) do
  local s = redis.call('HMGET', key, 'lt', 'lm', 'x', 'a')
  if newer(t, m, tonumber(s[1]), s[2]) then
    redis.call('HSET', key, 'lt', t, 'lm', m)
    if seen then
      redis.call('HSET', key, 'sa', tonumber(s[4]) or 0)
    else
      redis.call('HINCRBY', key, 'a', 1)
    end
  end
  extend(key, tonumber(s[3]), exp)
end
return #KEYS
