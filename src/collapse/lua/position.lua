-- Prelude of the collapse scripts: order of positions (epoch ms, message id).
-- Ids compare byte by byte, never by Lua's locale-dependent string order, so every node agrees.
local function id_after(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
-- True if position (t1, m1) is strictly newer than (t2, m2); any position is newer than none.
local function newer(t1, m1, t2, m2)
  if t2 == nil then return true end
  if t1 ~= t2 then return t1 > t2 end
  return id_after(m1, m2)
end
-- Sets the expiry to `exp` unless it is already later: the state outlives every push of its pair.
local function extend(key, x, exp)
  if x == nil or exp > x then
    redis.call('HSET', key, 'x', exp)
    redis.call('PEXPIREAT', key, exp)
  end
end
