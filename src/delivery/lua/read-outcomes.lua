-- The markers of one acceptance of a message on one shard, for its status counts. Reads only,
-- so a full node (OOM refuses writes) still answers.
-- KEYS[1]: the packed markers (a string of u3 slots), KEYS[2]: the legacy hash markers.
-- Returns {length of the string in bytes (0 when absent), d, f, e, c counted over the hash's
-- values, then the string's bytes six to a number, big-endian, the last one padded with zeros}.
-- Not the string itself: node-redis (v3, no buffer replies on the service's connections) decodes
-- a bulk reply as UTF-8, which would mangle the raw bytes. Six bytes (48 bits) fit a Lua number
-- and a JS one exactly; packing them costs Redis about half of hex (86 vs 151 us per 2.3 KB).
-- The 3-bit slots are counted by the caller (packed-outcomes.ts).
local bits = redis.call('GET', KEYS[1]) or ''
local n = #bits
local out = {n, 0, 0, 0, 0}
local at = {d = 2, f = 3, e = 4, c = 5}
for _, v in ipairs(redis.call('HVALS', KEYS[2])) do
  local i = at[v]
  if i then out[i] = out[i] + 1 end
end
local byte = string.byte
local k = 5
for i = 1, n, 6 do
  local a, b, c, d, e, f = byte(bits, i, i + 5)
  k = k + 1
  out[k] = ((((a * 256 + (b or 0)) * 256 + (c or 0)) * 256 + (d or 0)) * 256 + (e or 0)) * 256 + (f or 0)
end
return out
