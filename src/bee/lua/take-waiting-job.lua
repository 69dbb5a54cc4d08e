-- Bee-Queue's pop without the wait: moves the oldest waiting job id into
-- `active` exactly as Bee-Queue's BRPOPLPUSH does (nothing else: the stall
-- check copies `active` into `stalling` on its own), reads its data, and
-- takes the id out of `stalling`: the first stall heartbeat Bee-Queue would
-- send as the job starts, done in the same call (take-job.ts skips it).
-- With ARGV (stem, separator), it also peeks at the job's 3-bit slot: u3 at
-- #data.index of the string stem .. data.messageId .. separator .. data.epoch,
-- a key of the job's own slot whose name QueueKeys builds (the caller passes
-- its parts). A job without those fields gets no peek.
-- KEYS: waiting, active, jobs, stalling. ARGV: [stem, separator].
-- Returns false when nothing waits; {id, data} or {id, data, slot value} for
-- a job; {id} for an id without data, which has been taken out of `active`
-- (and `stalling`) again.
local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
if not id then return false end
local data = redis.call('HGET', KEYS[3], id)
redis.call('SREM', KEYS[4], id)
if not data then
  redis.call('LREM', KEYS[2], 1, id)
  return {id}
end
if not ARGV[1] then return {id, data} end
local ok, job = pcall(cjson.decode, data)
local push = ok and type(job) == 'table' and job.data
if type(push) ~= 'table' then return {id, data} end
local index, message, epoch = push.index, push.messageId, push.epoch
if type(index) ~= 'number' or index < 0 or index ~= math.floor(index) or index >= 2 ^ 53 then return {id, data} end
if type(message) ~= 'string' or type(epoch) ~= 'string' then return {id, data} end
-- pcall: the job is in `active` already, and an error now (a slot past BITFIELD's range, a key
-- of another type) must not fail the take; the handler then reads the slot itself.
local slot = redis.pcall('BITFIELD_RO', ARGV[1] .. message .. ARGV[2] .. epoch, 'GET', 'u3', string.format('#%d', index))
if type(slot) ~= 'table' or slot.err then return {id, data} end
return {id, data, slot[1]}
