-- Sliding-window counter: the count of the current fixed window plus the previous window's count
-- weighted by how much of it still overlaps the sliding window ending now:
--   estimate = previous · (W - elapsed) / W + current
-- A request of `cost` units is admitted when estimate + cost <= limit. State: one hash per key,
-- fields w (start of the current window, µs), c (units in it), p (units in the window before).
-- The Java reference model (SlidingWindowModel) mirrors this arithmetic; change both together.
-- params: limit, window in milliseconds
local function lg_sliding_wait(s, current, estimate, target)
  -- Microseconds until the estimate falls to `target` (>= 0) with no new requests.
  if estimate <= target then return 0 end
  local wait
  if s.previous > 0 and current <= target then
    -- still in this window: the previous window's share shrinks linearly
    wait = s.window_us * (1 - (target - current) / s.previous) - s.elapsed
  else
    -- in the next window, this window's count becomes the shrinking previous one
    wait = s.window_us - s.elapsed + s.window_us * (1 - target / current)
  end
  wait = ceil(wait)
  if wait < 1 then wait = 1 end
  return wait
end

LG_ALGORITHMS['sliding-window'] = {
  nparams = 2,

  check = function(key, now, cost, limit, window_ms)
    local problem = lg_window_problem(limit, window_ms, cost)
    if problem then return nil, problem end
    local window_us = window_ms * 1000
    local stored = redis.call('HMGET', key, 'w', 'c', 'p')
    local stored_start = tonumber(stored[1])
    local start = lg_window_current(now, window_us, stored_start)
    local current, previous = 0, 0
    if stored_start == start then
      current = tonumber(stored[2]) or 0
      previous = tonumber(stored[3]) or 0
    elseif stored_start == start - window_us then
      previous = tonumber(stored[2]) or 0
    end
    -- elapsed is negative only when the clock stepped back before the stored window (lg_window_current):
    -- then the previous count weighs fully until the window starts (the waits below count from now)
    local elapsed = now - start
    local counted = elapsed
    if counted < 0 then counted = 0 end
    local estimate = previous * (window_us - counted) / window_us + current
    return { cost = cost, allowed = estimate + cost <= limit, start = start, elapsed = elapsed, window_us = window_us,
             counted = counted, current = current, previous = previous, estimate = estimate, limit = limit }
  end,

  finish = function(key, now, s, charge)
    local cost = s.cost
    local limit = s.limit
    local current, estimate = s.current, s.estimate
    if charge then
      current = current + cost
      estimate = s.previous * (s.window_us - s.counted) / s.window_us + current
      redis.call('HSET', key, 'w', string.format('%.0f', s.start), 'c', string.format('%.0f', current),
        'p', string.format('%.0f', s.previous))
      -- this window's count weighs on the sliding window until the end of the next one
      redis.call('PEXPIRE', key, lg_window_ttl_ms(s.start + 2 * s.window_us, now))
    end
    local remaining = floor(limit - estimate)
    if remaining < 0 then remaining = 0 end
    local next_us = 0
    if estimate > 0 and remaining < limit then
      next_us = lg_sliding_wait(s, current, estimate, limit - remaining - 1)
    end
    local retry_us = 0
    if not s.allowed then
      retry_us = lg_sliding_wait(s, current, estimate, limit - cost)
    end
    return remaining, next_us, retry_us
  end,
}

-- Refund (a later Redis Cluster slot rejected the request): the charged window's count goes down by
-- `cost`: `c` if the stored window is still the one the charge fell in, `p` if a request of the next
-- window already moved that count there; an older window no longer counts.
if LG_REFUND then
  LG_ALGORITHMS['sliding-window'].refund = function(key, now, cost, limit, window_ms, _, charged_at)
    local window_us = window_ms * 1000
    local charged = lg_window_start(charged_at, window_us)
    local stored = redis.call('HMGET', key, 'w', 'c', 'p')
    local stored_start = tonumber(stored[1])
    local field, count
    if stored_start == charged then
      field, count = 'c', tonumber(stored[2]) or 0
    elseif stored_start == charged + window_us then
      field, count = 'p', tonumber(stored[3]) or 0
    else
      return
    end
    count = count - cost
    if count < 0 then count = 0 end
    redis.call('HSET', key, field, string.format('%.0f', count))
  end
end
