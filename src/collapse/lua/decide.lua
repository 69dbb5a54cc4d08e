-- KEYS[1]: the pair's state. ARGV: epoch ms, message id, holder token (one run of a job), lease ms,
-- record expiry, job id. Replies {'stale'} | {'collapsed'} | {'wait', ms left} | {'send', collapsed count, mark}.
local t, m, token, lease_ms, exp, job = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'lt', 'lm', 'ft', 'fm', 'a', 'sa', 'h', 'hl', 'x', 'hj')
local lt, ft = tonumber(s[1]), tonumber(s[3])
-- Gone with its pair's history: nothing is left to order it against.
if lt == nil and exp <= now then return {'stale'} end
local holder, held_until, holder_job = s[7], tonumber(s[8]), s[10]
local alive = holder and held_until ~= nil and held_until > now
-- Another run of this very job (Bee-Queue re-ran it as stalled) may still be sending: this run
-- must neither send beside it nor record it collapsed under it, so it waits for that run's lease.
if alive and holder ~= token and holder_job == job then return {'wait', held_until - now} end
if (lt ~= nil and newer(lt, s[2], t, m)) or (ft ~= nil and newer(ft, s[4], t, m)) then
  -- Superseded: a turn this job held (a crashed run whose lease ran out) is given back at once.
  if holder and holder_job == job then redis.call('HDEL', KEYS[1], 'h', 'hl', 'hj') end
  return {'collapsed'}
end
if alive and holder ~= token then return {'wait', held_until - now} end
local a = tonumber(s[5]) or 0
-- Newer than the latest the intake wrote: its bump was lost; count it here.
if newer(t, m, lt, s[2]) then
  a = a + 1
  redis.call('HSET', KEYS[1], 'lt', t, 'lm', m, 'a', a)
end
redis.call('HSET', KEYS[1], 'ft', t, 'fm', m, 'h', token, 'hl', now + lease_ms, 'hj', job)
extend(KEYS[1], tonumber(s[9]), exp)
return {'send', math.max(0, a - (tonumber(s[6]) or 0) - 1), a}
