-- LimitGuard driver: evaluates every limit of one request, all-or-nothing (see README.md).
-- Phase 1 checks every limit without writing; phase 2 charges all of them only if all allowed.
-- Limits may be split into groups (optional `groups` section after the blocks): group 0 holds the
-- enforced limits, every other group (a shadow rule) is all-or-nothing on its own.
local now = lg_now_us()
local n = tonumber(ARGV[1])
if n == nil or n ~= #KEYS then
  return redis.error_reply('LG_BAD_ARG limit count ' .. tostring(ARGV[1]) .. ' does not match ' .. #KEYS .. ' keys')
end
local limits = {}
local i = 2
for l = 1, n do
  local name = ARGV[i]
  local algo = LG_ALGORITHMS[name]
  if algo == nil then
    return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': unknown algorithm ' .. tostring(name))
  end
  local cost = tonumber(ARGV[i + 1])
  if not lg_finite(cost) or cost < 0 then
    return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': cost must be a finite number >= 0')
  end
  local p = {}
  for k = 1, algo.nparams do
    p[k] = tonumber(ARGV[i + 1 + k])
    if p[k] == nil then
      return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': parameter ' .. k .. ' is not a number')
    end
  end
  local problem = algo.validate(p, cost)
  if problem then
    return redis.error_reply('LG_BAD_ARG limit ' .. l .. ' (' .. name .. '): ' .. problem)
  end
  i = i + 2 + algo.nparams
  limits[l] = { algo = algo, cost = cost, p = p, group = '0' }
end
if ARGV[i] == 'groups' then
  for l = 1, n do limits[l].group = ARGV[i + l] or '0' end
end

local group_allowed = { ['0'] = true }
for l = 1, n do
  local x = limits[l]
  x.s = x.algo.check(KEYS[l], now, x.p, x.cost)
  if group_allowed[x.group] == nil then group_allowed[x.group] = true end
  if not x.s.allowed then group_allowed[x.group] = false end
end

for l = 1, n do
  local x = limits[l]
  if group_allowed[x.group] then
    x.algo.commit(KEYS[l], now, x.p, x.cost, x.s)
  end
end

local reply = { group_allowed['0'] and 1 or 0 }
for l = 1, n do
  local x = limits[l]
  local remaining, next_us, retry_us = x.algo.report(x.p, x.cost, x.s, group_allowed[x.group])
  reply[#reply + 1] = x.s.allowed and 1 or 0
  reply[#reply + 1] = string.format('%.0f', remaining)
  reply[#reply + 1] = string.format('%.0f', next_us)
  reply[#reply + 1] = string.format('%.0f', retry_us)
end
return reply
