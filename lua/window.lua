-- Helpers of the windowed algorithms (fixed-window, sliding-window); assembled before them.

-- params: limit, window in milliseconds. nil or the reason they are invalid.
local function lg_window_problem(limit, window_ms, cost)
  if not lg_whole(limit, 1, LG_HUGE) then return 'limit must be a whole number >= 1' end
  if not lg_whole(window_ms, 1, 1e12) then return 'window must be a whole number of milliseconds in [1, 1e12]' end
  if cost > limit then return 'cost must not exceed limit' end
  return nil
end

-- The start of the window holding `now`.
local function lg_window_start(now, window_us)
  local start = floor(now / window_us) * window_us
  if start > now then start = start - window_us end
  return start
end

-- Window counters are kept at least a second: a stale window reads as empty, so lingering costs
-- nothing, and no key can vanish between two calls that still share its window.
local function lg_window_ttl_ms(until_us, now)
  local ms = ceil((until_us - now) / 1000)
  if ms < 1000 then ms = 1000 end
  return ms
end
