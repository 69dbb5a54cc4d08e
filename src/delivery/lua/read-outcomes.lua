-- The markers of one acceptance of a message on one shard, for its status counts. Reads only,
-- so a full node (OOM refuses writes) still answers.
-- KEYS[1]: the packed markers (a string of u3 slots), KEYS[2]: the legacy hash markers.
-- Returns {the string in hex ('' when absent), d, f, e, c counted over the hash's values}.
-- Hex, because node-redis (v3, no buffer replies on the service's connections) decodes a bulk
-- reply as UTF-8, which would mangle the raw bytes; the 3-bit slots are counted by the caller.
local hex = ''
local bits = redis.call('GET', KEYS[1])
if bits then
  local HEX = {}
  for b = 0, 255 do HEX[string.char(b)] = string.format('%02x', b) end
  hex = string.gsub(bits, '.', HEX)
end
local n = {d = 0, f = 0, e = 0, c = 0}
for _, v in ipairs(redis.call('HVALS', KEYS[2])) do
  if n[v] then n[v] = n[v] + 1 end
end
return {hex, n.d, n.f, n.e, n.c}
