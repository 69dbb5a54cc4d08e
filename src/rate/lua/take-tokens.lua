--[[
A token bucket timed by Redis's clock, shared by every process that names
the same key.
key 1 -> the bucket (hash: tokens, ts)
key 2 -> optional: a "pause until" time (epoch ms); while it lies ahead, no token is granted
arg 1 -> tokens per second
arg 2 -> burst (bucket size)
arg 3 -> tokens wanted
arg 4 -> how long the bucket lives unused, in ms
Returns {granted, 0}, or {0, ms until a token (or the pause's end)}.
]]

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if KEYS[2] then
  local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
  if pause > now then return {0, pause - now} end
end
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if granted == 0 then return {0, math.ceil((1 - tokens) * 1000 / rate)} end
return {granted, 0}
