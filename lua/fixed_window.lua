-- Fixed window: at most `limit` units per window of `window_ms` milliseconds, windows aligned to
-- multiples of the window since the Unix epoch (1h windows start on the hour, UTC). State: one hash
-- per key, fields w (start of the counted window, µs) and c (units counted in it); a stored window
-- other than the current one reads as empty, so correctness never depends on expiry (a stored window
-- LATER than the clock's stays current until it ends: lg_window_current). The Java
-- reference model (FixedWindowModel) mirrors this arithmetic; change both together.
-- params: limit, window in milliseconds
LG_ALGORITHMS['fixed-window'] = {
  nparams = 2,

  check = function(key, now, cost, limit, window_ms)
    local problem = lg_window_problem(limit, window_ms, cost)
    if problem then return nil, problem end
    local window_us = window_ms * 1000
    local stored = redis.call('HMGET', key, 'w', 'c')
    local stored_start = tonumber(stored[1])
    local start = lg_window_current(now, window_us, stored_start)
    local count = 0
    if stored_start == start then count = tonumber(stored[2]) or 0 end
    return { cost = cost, allowed = count + cost <= limit, start = start, count = count, window_us = window_us, limit = limit }
  end,

  finish = function(key, now, s, charge)
    local cost = s.cost
    local used = s.count
    if charge then
      used = used + cost
      redis.call('HSET', key, 'w', string.format('%.0f', s.start), 'c', string.format('%.0f', used))
      redis.call('PEXPIRE', key, lg_window_ttl_ms(s.start + s.window_us, now))
    end
    local remaining = s.limit - used
    if remaining < 0 then remaining = 0 end
    local to_end = s.start + s.window_us - now
    local next_us = 0
    if used > 0 then next_us = to_end end
    local retry_us = 0
    if not s.allowed then retry_us = to_end end
    return remaining, next_us, retry_us
  end,
}

-- Refund (a later Redis Cluster slot rejected the request): the count goes down by `cost` if the
-- stored window is still the one the charge fell in; a later window never held the charge.
if LG_REFUND then
  LG_ALGORITHMS['fixed-window'].refund = function(key, now, cost, limit, window_ms, _, charged_at)
    local stored = redis.call('HMGET', key, 'w', 'c')
    if tonumber(stored[1]) ~= lg_window_start(charged_at, window_ms * 1000) then return end
    local count = (tonumber(stored[2]) or 0) - cost
    if count < 0 then count = 0 end
    redis.call('HSET', key, 'c', string.format('%.0f', count))
  end
end
