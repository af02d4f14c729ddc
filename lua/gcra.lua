-- GCRA (generic cell rate algorithm): one stored value per key, the theoretical arrival time (TAT)
-- in microseconds. The emission interval I = round(1e6 / rate) is a whole number of microseconds,
-- so every number below is an integer under 2^53 and exact in a double (at 1.7e15 µs a double
-- resolves only a quarter microsecond: fractional intervals would drift and a burst of N could
-- admit N - 1). A request of `cost` units is admitted when new_tat - now <= burst · I, where
-- new_tat = max(tat, now) + cost · I; `burst` unit requests pass at once from idle. The Java
-- reference model (GcraModel) mirrors this arithmetic operation by operation; change both together.
-- params: rate per second, burst
LG_ALGORITHMS['gcra'] = {
  nparams = 2,

  check = function(key, now, cost, rate, burst)
    if not (rate and rate > 0 and rate < LG_HUGE) then return nil, 'rate-per-second must be a finite number > 0' end
    if not lg_whole(burst, 1, LG_HUGE) then return nil, 'burst must be a whole number >= 1' end
    if cost > burst then return nil, 'cost must not exceed burst' end
    local interval = floor(1000000 / rate + 0.5)
    if interval < 1 then interval = 1 end
    if burst * interval > 1e15 then return nil, 'burst / rate-per-second must be below 1e9 seconds' end
    local tat = tonumber(redis.call('GET', key))
    if tat == nil or tat < now then tat = now end
    local new_tat = tat + cost * interval
    return { cost = cost, allowed = new_tat - now <= burst * interval, tat = tat, new_tat = new_tat, interval = interval,
             burst = burst }
  end,

  -- The key lives until the TAT; after that an absent key reads as idle, which it is. Reported as a
  -- bucket of `burst` units: units left = burst - (tat - now) / I.
  finish = function(key, now, s, charge)
    local cost = s.cost
    local burst, interval = s.burst, s.interval
    local tat = s.tat
    if charge then
      tat = s.new_tat
      local ms = ceil((tat - now) / 1000)
      if ms < 1 then ms = 1 end
      redis.call('SET', key, string.format('%.0f', tat), 'PX', ms)
    end
    local ahead = tat - now
    local remaining = floor((burst * interval - ahead) / interval)
    if remaining < 0 then remaining = 0 end
    local next_us = 0
    if ahead > 0 then
      next_us = ahead - (burst - remaining - 1) * interval
      if next_us < 1 then next_us = 1 end
    end
    local retry_us = 0
    if not s.allowed then retry_us = s.new_tat - burst * interval - now end
    return remaining, next_us, retry_us
  end,
}
