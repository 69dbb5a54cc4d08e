-- Undoes a pop whose job will not run (its queue started closing meanwhile):
-- the id leaves `active` (and `stalling`) and goes back to the end of
-- `waiting` that pops take from, so it is the next job taken. If the id is no
-- longer in `active` (a stall check moved it already), nothing changes.
-- KEYS: active, waiting, stalling. ARGV: job id.
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
