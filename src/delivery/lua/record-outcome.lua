-- KEYS[1]: the push's marker. ARGV[5] 'b': the packed bitfield string and ARGV[1] the push's
-- index (u3 codes below); otherwise the legacy hash and ARGV[1] the recipient id (letters as
-- values). KEYS[2]: the shard's lifetime totals. No per-message counters: status counts are
-- decoded from the markers themselves (read-outcomes.lua), so a push is counted once by
-- construction, whichever version wrote its marker.
-- With KEYS[3..5] (active, stalling, jobs) and ARGV[6] (job id), the run of the push's job
-- is finished as a success in the same call, whether or not the outcome changed
-- (finish_succeeded comes from bee/lua/finish-succeeded.lua, put before this script).
-- A full Redis refuses the script at its first write (BITFIELD, or HSET on the legacy path, or
-- the finish's LREM when the outcome stands), before anything is written; once one write is
-- through, Redis runs the script to its end.
local LETTER = {'d', 'f', 'e', 'c'}
local CODE = {d = 1, f = 2, e = 3, c = 4}
local next = ARGV[2]
if not CODE[next] then return redis.error_reply('unknown outcome ' .. tostring(next)) end
if KEYS[3] and next == 'f' then return redis.error_reply('a failed run is finished by Bee-Queue') end

local function record()
  local bits = ARGV[5] == 'b'
  local prev
  if bits then
    -- BITFIELD_RO: the read is a read (BITFIELD itself counts as a write, which a full Redis refuses).
    prev = LETTER[redis.call('BITFIELD_RO', KEYS[1], 'GET', 'u3', '#' .. ARGV[1])[1]]
  else
    prev = redis.call('HGET', KEYS[1], ARGV[1])
  end
  if prev == next or prev == 'd' or prev == 'e' or prev == 'c' then return 0 end
  if bits then
    redis.call('BITFIELD', KEYS[1], 'SET', 'u3', '#' .. ARGV[1], CODE[next])
  else
    redis.call('HSET', KEYS[1], ARGV[1], next)
  end
  if prev then redis.call('HINCRBY', KEYS[2], prev, -1) end
  redis.call('HINCRBY', KEYS[2], next, 1)
  if ARGV[4] ~= '0' then
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  else
    redis.call('EXPIRE', KEYS[1], ARGV[3])
  end
  return 1
end

local changed = record()
if KEYS[3] then finish_succeeded(KEYS[3], KEYS[4], KEYS[5], ARGV[6]) end
return changed
