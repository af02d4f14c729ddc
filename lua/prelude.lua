-- LimitGuard prelude: shared helpers and the algorithm registry. Redis forbids script globals,
-- so everything is a local of the one assembled chunk.
local LG_ALGORITHMS = {}

-- tonumber() accepts "nan" and "inf"; neither is a valid limit parameter.
local function lg_finite(x)
  return x ~= nil and x == x and x ~= math.huge and x ~= -math.huge
end

-- Windowed algorithms (fixed-window, sliding-window): params [1] limit, [2] window in milliseconds.
local function lg_validate_window(p, cost)
  local limit, window_ms = p[1], p[2]
  if not lg_finite(limit) or limit < 1 or limit ~= math.floor(limit) then return 'limit must be a whole number >= 1' end
  if not lg_finite(window_ms) or window_ms < 1 or window_ms ~= math.floor(window_ms) or window_ms > 1e12 then
    return 'window must be a whole number of milliseconds in [1, 1e12]'
  end
  if cost > limit then return 'cost must not exceed limit' end
  return nil
end

-- Windowed algorithms: the start of the window holding `now`.
local function lg_window_start(now, window_us)
  local start = math.floor(now / window_us) * window_us
  if start > now then start = start - window_us end
  return start
end

-- Window counters are kept at least a second: a stale window reads as empty, so lingering costs
-- nothing, and no key can vanish between two calls that still share its window.
local function lg_window_expire(key, until_us, now)
  local ms = math.ceil((until_us - now) / 1000)
  if ms < 1000 then ms = 1000 end
  redis.call('PEXPIRE', key, string.format('%.0f', ms))
end
