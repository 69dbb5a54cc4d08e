-- Bee-Queue 2.0.0's finish of a succeeded run with removeOnSuccess and
-- without events (lib/queue.js `_finishJob`: LREM active 0, SREM stalling,
-- HDEL jobs), as a function for a script that finishes a run together with
-- its own write. script-finish.ts says when this may replace Bee-Queue's own.
local function finish_succeeded(active, stalling, jobs, id)
  redis.call('LREM', active, 0, id)
  redis.call('SREM', stalling, id)
  redis.call('HDEL', jobs, id)
end
