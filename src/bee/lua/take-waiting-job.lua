-- Bee-Queue's pop without the wait: moves the oldest waiting job id into
-- `active` exactly as Bee-Queue's BRPOPLPUSH does (nothing else: the stall
-- check copies `active` into `stalling` on its own), reads its data, and
-- takes the id out of `stalling`: the first stall heartbeat Bee-Queue would
-- send as the job starts, done in the same call (take-job.ts skips it).
-- KEYS: waiting, active, jobs, stalling.
-- Returns false when nothing waits; {id, data} for a job; {id} for an id
-- without data, which has been taken out of `active` (and `stalling`) again.
local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
if not id then return false end
local data = redis.call('HGET', KEYS[3], id)
redis.call('SREM', KEYS[4], id)
if data then return {id, data} end
redis.call('LREM', KEYS[2], 1, id)
return {id}
