-- add-jobs.lua for one message's pushes, the job JSON assembled here from the
-- message's template instead of sent whole: the producer sends a few bytes
-- per push (the recipient id) rather than its whole JSON. The recipient ids
-- need no JSON escaping (bulk-writer checks), so quoting them is exact.
-- KEYS: jobs hash, waiting list, delayed set, earlierDelayed channel.
-- ARGV: delay timestamp (0 for none), job id prefix, JSON head, JSON after the
--   recipient, index of the first recipient ('' for jobs without an index),
--   JSON after the index, then the recipient ids.
local delay = tonumber(ARGV[1])
local prefix, head, afterRecipient, first, afterIndex = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local FIRST_ID = 7
local ids, fields, fresh = {}, {}, {}
for i = FIRST_ID, #ARGV do ids[#ids + 1] = prefix .. ARGV[i] end
local existing = redis.call('HMGET', KEYS[1], unpack(ids))
for n, id in ipairs(ids) do
  if not existing[n] then
    local quoted = '"' .. ARGV[FIRST_ID + n - 1] .. '"'
    fresh[#fresh + 1] = id
    fields[#fields + 1] = id
    if first then
      fields[#fields + 1] = head .. quoted .. afterRecipient .. string.format('%d', first + n - 1) .. afterIndex
    else
      fields[#fields + 1] = head .. quoted .. afterRecipient
    end
  end
end
if #fresh == 0 then return 0 end
-- save_fresh_jobs comes from save-fresh-jobs.lua, put before this script.
save_fresh_jobs(KEYS, delay, fresh, fields)
return #fresh
