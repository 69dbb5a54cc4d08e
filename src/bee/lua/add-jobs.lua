local delay = tonumber(ARGV[1])
local ids, fields, fresh = {}, {}, {}
for i = 2, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
local existing = redis.call('HMGET', KEYS[1], unpack(ids))
for n, id in ipairs(ids) do
  if not existing[n] then
    fresh[#fresh + 1] = id
    fields[#fields + 1] = id
    fields[#fields + 1] = ARGV[2 * n + 1]
  end
end
if #fresh == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(fields))
if delay == 0 then
  redis.call('LPUSH', KEYS[2], unpack(fresh))
else
  local scored = {}
  for _, id in ipairs(fresh) do scored[#scored + 1] = delay; scored[#scored + 1] = id end
  redis.call('ZADD', KEYS[3], unpack(scored))
  -- Bee-Queue workers schedule their delayed-job timer from this channel.
  local head = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if tonumber(head[2]) == delay then redis.call('PUBLISH', KEYS[4], delay) end
end
return #fresh
