-- Fixed window: at most `limit` units per window of `window_ms` milliseconds, windows aligned to
-- multiples of the window since the Unix epoch (1h windows start on the hour, UTC). State: one hash
-- per key, fields w (start of the counted window, µs) and c (units counted in it); a stored window
-- other than the current one reads as empty, so correctness never depends on expiry. The Java
-- reference model (FixedWindowModel) mirrors this arithmetic; change both together.
-- params: [1] limit, [2] window in milliseconds
LG_ALGORITHMS['fixed-window'] = {
  nparams = 2,

  validate = lg_validate_window,

  check = function(key, now, p, cost)
    local window_us = p[2] * 1000
    local start = lg_window_start(now, window_us)
    local stored = redis.call('HMGET', key, 'w', 'c')
    local count = 0
    if tonumber(stored[1]) == start then count = tonumber(stored[2]) or 0 end
    return { allowed = count + cost <= p[1], now = now, start = start, count = count, window_us = window_us }
  end,

  commit = function(key, now, p, cost, s)
    redis.call('HSET', key, 'w', string.format('%.0f', s.start), 'c', string.format('%.0f', s.count + cost))
    lg_window_expire(key, s.start + s.window_us, now)
  end,

  report = function(p, cost, s, committed)
    local used = s.count
    if committed then used = used + cost end
    local remaining = p[1] - used
    if remaining < 0 then remaining = 0 end
    local to_end = s.start + s.window_us - s.now
    local next_us = 0
    if used > 0 then next_us = to_end end
    local retry_us = 0
    if not s.allowed then retry_us = to_end end
    return remaining, next_us, retry_us
  end,
}
