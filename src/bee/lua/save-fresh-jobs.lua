-- Bee-Queue 2.0.0's save of new jobs (addJob.lua and addDelayedJob.lua, batched), as a function
-- for the bulk writers' scripts: `fields` (id, JSON, id, JSON, ...) into the jobs hash, then the
-- ids into `waiting`, or into `delayed` at `delay` with the earlierDelayed notice Bee-Queue's
-- workers schedule their delayed-job timer from. KEYS: jobs, waiting, delayed, earlierDelayed.
local function save_fresh_jobs(keys, delay, fresh, fields)
  redis.call('HSET', keys[1], unpack(fields))
  if delay == 0 then
    redis.call('LPUSH', keys[2], unpack(fresh))
    return
  end
  local scored = {}
  for _, id in ipairs(fresh) do scored[#scored + 1] = delay; scored[#scored + 1] = id end
  redis.call('ZADD', keys[3], unpack(scored))
  local head = redis.call('ZRANGE', keys[3], 0, 0, 'WITHSCORES')
  if tonumber(head[2]) == delay then redis.call('PUBLISH', keys[4], delay) end
end
