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

-- The window a limit counts in at `now`, given the window start stored by the last charge: the
-- window holding `now`, or the stored one when it starts later. That happens only when the Redis
-- clock stepped back (a replica with an earlier clock promoted, a host clock set back): reading a
-- later window as empty would hand out its whole limit again, twice (once in the earlier window,
-- once more when the clock is back in the later one, whose count the earlier window overwrote).
-- Counting on in the later window grants nothing extra; its limit returns when it ends.
local function lg_window_current(now, window_us, stored_start)
  local start = lg_window_start(now, window_us)
  if stored_start ~= nil and stored_start > start then start = stored_start end
  return start
end

-- Window counters are kept at least a second: a stale window reads as empty, so lingering costs
-- nothing, and no key can vanish between two calls that still share its window.
local function lg_window_ttl_ms(until_us, now)
  local ms = ceil((until_us - now) / 1000)
  if ms < 1000 then ms = 1000 end
  return ms
end
