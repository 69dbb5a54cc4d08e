local replayed, skipped = {}, {}
for i = 1, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[i + 1] then
    if redis.call('HEXISTS', KEYS[3], id) == 1 then
      skipped[#skipped + 1] = id
    else
      redis.call('HSET', KEYS[3], id, ARGV[i + 2])
      redis.call('LPUSH', KEYS[4], id)
      redis.call('ZREM', KEYS[1], id)
      redis.call('HDEL', KEYS[2], id)
      replayed[#replayed + 1] = id
    end
  end
end
return {replayed, skipped}
