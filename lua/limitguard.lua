-- LimitGuard driver: evaluates every limit of one request, all-or-nothing (see README.md), or of
-- each request of a batch in turn. Phase 1 validates and checks every limit without writing; phase
-- 2 charges them only if all allowed, and reports. Limits may be split into groups (optional `groups` section after the
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

-- One request: its N limits, all-or-nothing. Its limits' keys are KEYS[k + 1] .. KEYS[k + n]; its
-- section of ARGV (N, the blocks, the optional groups) begins at ARGV[a] with N. Writes its reply
-- (1 + 4·N values) into `reply` from index r. Returns the ARGV index after its section, or nil and
-- why its arguments are invalid (then it charged nothing).
-- Phase 1. checked[2l - 1] = limit l's algorithm, checked[2l] = its checked state (one table for the
-- whole call, presized for one limit: every table a call allocates costs Redis about as much as a
-- command).
local checked = { false, false }
local function lg_request(k, n, a, reply, r)
  local allowed = true
  local i = a + 1
  for l = 1, n do
    local name = ARGV[i]
    local algo = LG_ALGORITHMS[name]
    if algo == nil then
      return nil, 'LG_BAD_ARG limit ' .. l .. ': unknown algorithm ' .. tostring(name)
    end
    local cost = tonumber(ARGV[i + 1])
    if not (cost and cost >= 0 and cost < LG_HUGE) then
      return nil, 'LG_BAD_ARG limit ' .. l .. ': cost must be a finite number >= 0'
    end
    local np = algo.nparams
    local third = nil
    if np > 2 then third = tonumber(ARGV[i + 4]) end
    local s, problem = algo.check(KEYS[k + l], now, cost, tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), third)
    if s == nil then
      for p = 1, np do
        if tonumber(ARGV[i + 1 + p]) == nil then
          return nil, 'LG_BAD_ARG limit ' .. l .. ': parameter ' .. p .. ' is not a number'
        end
      end
      return nil, 'LG_BAD_ARG limit ' .. l .. ' (' .. name .. '): ' .. problem
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

  -- Phase 2.
  reply[r] = allowed and 1 or 0
  for l = 1, n do
    local charge = allowed
    if group_of then charge = group_ok[group_of[l]] end
    local s = checked[2 * l]
    local remaining, next_us, retry_us = checked[2 * l - 1].finish(KEYS[k + l], now, s, charge)
    local at = r + 4 * l - 3
    reply[at] = s.allowed and 1 or 0
    reply[at + 1] = remaining
    reply[at + 2] = next_us
    reply[at + 3] = retry_us
  end
  return i
end

-- Batch mode (README.md, "Batch mode"): ARGV = batch, M, then per request the number of ARGV
-- elements of its section and the section. The requests are decided one after the other, each
-- all-or-nothing on its own, exactly as M calls at the same time would be: a request sees what the
-- requests before it charged.
if ARGV[1] == 'batch' then
  local m = tonumber(ARGV[2])
  if not lg_whole(m, 1, #KEYS) then
    return redis.error_reply('LG_BAD_ARG batch of ' .. tostring(ARGV[2]) .. ' requests for ' .. #KEYS .. ' keys')
  end
  -- The layout first, before anything is charged: a malformed batch is rejected as a whole.
  local k, a = 0, 3
  for q = 1, m do
    local len, n = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    if not (lg_whole(n, 1, #KEYS - k) and lg_whole(len, 1 + 4 * n, #ARGV - a)) then
      return redis.error_reply('LG_BAD_ARG batch request ' .. q .. ': section of ' .. tostring(ARGV[a])
        .. ' elements, limit count ' .. tostring(ARGV[a + 1]))
    end
    k, a = k + n, a + 1 + len
  end
  if k ~= #KEYS then
    return redis.error_reply('LG_BAD_ARG batch limit counts add up to ' .. k .. ', not ' .. #KEYS .. ' keys')
  end
  -- A request with invalid arguments gets -1 and why; the others are decided as usual.
  local reply, r = {}, 1
  k, a = 0, 3
  for q = 1, m do
    local n = tonumber(ARGV[a + 1])
    local ok, problem = lg_request(k, n, a + 1, reply, r)
    if ok then
      r = r + 1 + 4 * n
    else
      reply[r], reply[r + 1] = -1, problem
      r = r + 2
    end
    k, a = k + n, a + 1 + tonumber(ARGV[a])
  end
  return reply
end

local n = tonumber(ARGV[1])
if n == nil or n ~= #KEYS then
  return redis.error_reply('LG_BAD_ARG limit count ' .. tostring(ARGV[1]) .. ' does not match ' .. #KEYS .. ' keys')
end
-- The reply is presized for the common single limit (a table constructor allocates once).
local reply = { 0, 0, 0, 0, 0 }
local i, problem = lg_request(0, n, 1, reply, 1)
if i == nil then
  return redis.error_reply(problem)
end
-- Optional `now` section (Redis Cluster, a request over several slots): the reply ends with `now`,
-- which a refund of this call's charges needs.
if ARGV[i] == 'now' then reply[4 * n + 2] = now end
return reply
