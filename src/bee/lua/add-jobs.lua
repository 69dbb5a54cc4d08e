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
-- save_fresh_jobs comes from save-fresh-jobs.lua, put before this script.
save_fresh_jobs(KEYS, delay, fresh, fields)
return #fresh
