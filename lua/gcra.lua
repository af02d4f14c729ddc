-- GCRA (generic cell rate algorithm): one stored value per key, the theoretical arrival time (TAT)
-- in microseconds. The emission interval I = ceil(1e6 / rate) is a whole number of microseconds,
-- so every number below is an integer under 2^53 and exact in a double (at 1.7e15 µs a double
-- resolves only a quarter microsecond: fractional intervals would drift and a burst of N could
-- admit N - 1). Rounded UP, never to the nearest: a shorter interval is a higher rate (700,000/s
-- rounded to 1 µs admitted 1,000,000/s), a longer one at most 1 µs per request slower. A request of `cost` units is admitted when new_tat - now <= burst · I, where
-- new_tat = max(tat, now) + cost · I; `burst` unit requests pass at once from idle. The Java
-- reference model (GcraModel) mirrors this arithmetic operation by operation; change both together.
-- params: rate per second, burst
LG_ALGORITHMS['gcra'] = {
  nparams = 2,

  check = function(key, now, cost, rate, burst)
    if not (rate and rate > 0 and rate < LG_HUGE) then return nil, 'rate-per-second must be a finite number > 0' end
    if not lg_whole(burst, 1, LG_HUGE) then return nil, 'burst must be a whole number >= 1' end
    if cost > burst then return nil, 'cost must not exceed burst' end
    local interval = ceil(1000000 / rate)
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

-- Refund (a later Redis Cluster slot rejected the request): the TAT moves back by the charged
-- increment cost · I, less the time since the charge, never below now. The subtracted time is the
-- idle credit a concurrent request may have forfeited because it saw the charge: never more than the
-- charge left behind, so a refund can cause a false rejection, never a false admission.
if LG_REFUND then
  LG_ALGORITHMS['gcra'].refund = function(key, now, cost, rate, burst, _, charged_at)
    local tat = tonumber(redis.call('GET', key))
    if tat == nil then return end -- absent reads as idle: nothing to give back
    local interval = ceil(1000000 / rate)
    if interval < 1 then interval = 1 end
    local since = now - charged_at
    if since < 0 then since = 0 end
    local back = cost * interval - since
    if back <= 0 then return end
    tat = tat - back
    if tat <= now then
      redis.call('DEL', key) -- idle again: absent reads as idle
      return
    end
    local ms = ceil((tat - now) / 1000)
    if ms < 1 then ms = 1 end
    redis.call('SET', key, string.format('%.0f', tat), 'PX', ms)
  end
end
