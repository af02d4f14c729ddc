-- GCRA (generic cell rate algorithm): one stored value per key, the theoretical arrival time (TAT)
-- in microseconds. The emission interval I = round(1e6 / rate) is a whole number of microseconds,
-- so every number below is an integer under 2^53 and exact in a double (at 1.7e15 µs a double
-- resolves only a quarter microsecond: fractional intervals would drift and a burst of N could
-- admit N - 1). A request of `cost` units is admitted when new_tat - now <= burst · I, where
-- new_tat = max(tat, now) + cost · I; `burst` unit requests pass at once from idle. The Java
-- reference model (GcraModel) mirrors this arithmetic operation by operation; change both together.
-- params: [1] rate per second, [2] burst
local function lg_gcra_interval(rate)
  local interval = math.floor(1000000 / rate + 0.5)
  if interval < 1 then interval = 1 end
  return interval
end

LG_ALGORITHMS['gcra'] = {
  nparams = 2,

  validate = function(p, cost)
    local rate, burst = p[1], p[2]
    if not lg_finite(rate) or rate <= 0 then return 'rate-per-second must be a finite number > 0' end
    if not lg_finite(burst) or burst < 1 or burst ~= math.floor(burst) then
      return 'burst must be a whole number >= 1'
    end
    if cost > burst then return 'cost must not exceed burst' end
    if burst * lg_gcra_interval(rate) > 1e15 then return 'burst / rate-per-second must be below 1e9 seconds' end
    return nil
  end,

  -- Phase 1: read, never write.
  check = function(key, now, p, cost)
    local interval = lg_gcra_interval(p[1])
    local tat = tonumber(redis.call('GET', key))
    if tat == nil or tat < now then tat = now end
    local new_tat = tat + cost * interval
    return { allowed = new_tat - now <= p[2] * interval, now = now, tat = tat, new_tat = new_tat,
             interval = interval }
  end,

  -- Phase 2: the key lives until the TAT; after that an absent key reads as idle, which it is.
  commit = function(key, now, p, cost, s)
    local ms = math.ceil((s.new_tat - now) / 1000)
    if ms < 1 then ms = 1 end
    redis.call('SET', key, string.format('%.0f', s.new_tat), 'PX', string.format('%.0f', ms))
  end,

  -- Read as a bucket of `burst` units: units left = burst - (tat - now) / I.
  report = function(p, cost, s, committed)
    local burst, interval = p[2], s.interval
    local tat = s.tat
    if committed then tat = s.new_tat end
    local ahead = tat - s.now
    local remaining = math.floor((burst * interval - ahead) / interval)
    if remaining < 0 then remaining = 0 end
    local next_us = 0
    if ahead > 0 then
      next_us = ahead - (burst - remaining - 1) * interval
      if next_us < 1 then next_us = 1 end
    end
    local retry_us = 0
    if not s.allowed then
      retry_us = s.new_tat - burst * interval - s.now
    end
    return remaining, next_us, retry_us
  end,
}
