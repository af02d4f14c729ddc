-- LimitGuard prelude: shared helpers and the algorithm registry. Redis forbids script globals,
-- so everything is a local of the one assembled chunk.
local LG_ALGORITHMS = {}

-- tonumber() accepts "nan" and "inf"; neither is a valid limit parameter.
local function lg_finite(x)
  return x ~= nil and x == x and x ~= math.huge and x ~= -math.huge
end

-- Windowed algorithms (fixed-window, sliding-window): the start of the window holding `now`.
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
