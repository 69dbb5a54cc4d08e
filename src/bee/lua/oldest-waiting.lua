local id = redis.call('LINDEX', KEYS[1], -1)
if not id then return false end
return redis.call('HGET', KEYS[2], id)
