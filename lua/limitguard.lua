-- LimitGuard driver: evaluates every limit of one request, all-or-nothing (see README.md).
-- Phase 1 validates and checks every limit without writing; phase 2 charges them only if all
-- allowed, and reports. Limits may be split into groups (optional `groups` section after the
-- blocks): group 0 holds the enforced limits, every other group (a shadow rule) is all-or-nothing
-- on its own.
local now = lg_now_us()

-- Refund mode (README.md, "Refund mode"; Redis Cluster only): ARGV = refund, charged_at, N, then the
-- blocks of the call that charged. Each limit gives back what that call charged.
if LG_REFUND then
  local charged_at = tonumber(ARGV[2])
  local count = tonumber(ARGV[3])
  if charged_at == nil or count == nil or count ~= #KEYS then
    return redis.error_reply('LG_BAD_ARG refund: charge time ' .. tostring(ARGV[2]) .. ', limit count '
      .. tostring(ARGV[3]) .. ' for ' .. #KEYS .. ' keys')
  end
  local at = 4
  for l = 1, count do
    local algo = LG_ALGORITHMS[ARGV[at]]
    if algo == nil then
      return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': unknown algorithm ' .. tostring(ARGV[at]))
    end
    local third = nil
    if algo.nparams > 2 then third = tonumber(ARGV[at + 4]) end
    algo.refund(KEYS[l], now, tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]), third, charged_at)
    at = at + 2 + algo.nparams
  end
  return { count }
end

local n = tonumber(ARGV[1])
if n == nil or n ~= #KEYS then
  return redis.error_reply('LG_BAD_ARG limit count ' .. tostring(ARGV[1]) .. ' does not match ' .. #KEYS .. ' keys')
end

-- Phase 1. checked[2l - 1] = limit l's algorithm, checked[2l] = its checked state (one table,
-- presized for one limit: every table a call allocates costs Redis about as much as a command).
local checked = { false, false }
local allowed = true
local i = 2
for l = 1, n do
  local name = ARGV[i]
  local algo = LG_ALGORITHMS[name]
  if algo == nil then
    return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': unknown algorithm ' .. tostring(name))
  end
  local cost = tonumber(ARGV[i + 1])
  if not (cost and cost >= 0 and cost < LG_HUGE) then
    return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': cost must be a finite number >= 0')
  end
  local np = algo.nparams
  local third = nil
  if np > 2 then third = tonumber(ARGV[i + 4]) end
  local s, problem = algo.check(KEYS[l], now, cost, tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), third)
  if s == nil then
    for k = 1, np do
      if tonumber(ARGV[i + 1 + k]) == nil then
        return redis.error_reply('LG_BAD_ARG limit ' .. l .. ': parameter ' .. k .. ' is not a number')
      end
    end
    return redis.error_reply('LG_BAD_ARG limit ' .. l .. ' (' .. name .. '): ' .. problem)
  end
  checked[2 * l - 1], checked[2 * l] = algo, s
  if not s.allowed then allowed = false end
  i = i + 2 + np
end

-- Groups: only shadow rules make them; without, every limit is in group 0.
local group_of, group_ok = nil, nil
if ARGV[i] == 'groups' then
  group_of, group_ok = {}, {}
  for l = 1, n do
    local g = ARGV[i + l] or '0'
    group_of[l] = g
    if group_ok[g] == nil then group_ok[g] = true end
    if not checked[2 * l].allowed then group_ok[g] = false end
  end
  allowed = group_ok['0'] ~= false
  i = i + 1 + n
end

-- Phase 2. The reply is presized for the common single limit (a table constructor allocates once).
local reply = { allowed and 1 or 0, 0, 0, 0, 0 }
for l = 1, n do
  local charge = allowed
  if group_of then charge = group_ok[group_of[l]] end
  local s = checked[2 * l]
  local remaining, next_us, retry_us = checked[2 * l - 1].finish(KEYS[l], now, s, charge)
  local at = 4 * l - 2
  reply[at] = s.allowed and 1 or 0
  reply[at + 1] = remaining
  reply[at + 2] = next_us
  reply[at + 3] = retry_us
end
-- Optional `now` section (Redis Cluster, a request over several slots): the reply ends with `now`,
-- which a refund of this call's charges needs.
if ARGV[i] == 'now' then reply[4 * n + 2] = now end
return reply
