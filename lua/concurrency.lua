-- Concurrency limiter: at most `max` requests in flight per key. State: one sorted set per key,
-- member = lease id (a request's id), score = the lease's expiry in µs. A request takes one slot
-- whatever its cost (quota unit: concurrent-requests) and gives it back when its response ends
-- (the gateway sends ZREM key <lease id>: idempotent); a lease that is never given back (gateway
-- crashed) stops counting at its expiry. Slots do not come back with time, so next_us is 0 and a
-- rejected request is told to retry in a second. The Java reference model (ConcurrencyModel)
-- mirrors this; change both together.
-- params: [1] max in flight, [2] lease in milliseconds, [3] lease id (the request's id, an integer)
LG_ALGORITHMS['concurrency'] = {
  nparams = 3,

  validate = function(p, cost)
    local max, lease_ms, lease = p[1], p[2], p[3]
    if not lg_finite(max) or max < 1 or max ~= math.floor(max) then return 'max-in-flight must be a whole number >= 1' end
    if not lg_finite(lease_ms) or lease_ms < 1 or lease_ms ~= math.floor(lease_ms) or lease_ms > 1e12 then
      return 'lease must be a whole number of milliseconds in [1, 1e12]'
    end
    if not lg_finite(lease) or lease < 0 or lease ~= math.floor(lease) or lease > 9007199254740991 then
      return 'lease id must be a whole number in [0, 2^53)'
    end
    return nil
  end,

  check = function(key, now, p, cost)
    local active = redis.call('ZCOUNT', key, '(' .. string.format('%.0f', now), '+inf')
    return { allowed = active + 1 <= p[1], active = active }
  end,

  commit = function(key, now, p, cost, s)
    local lease_ms = p[2]
    -- drop expired leases of crashed gateways, then take a slot until now + lease
    redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now))
    redis.call('ZADD', key, string.format('%.0f', now + lease_ms * 1000), string.format('%.0f', p[3]))
    redis.call('PEXPIRE', key, string.format('%.0f', lease_ms))
  end,

  report = function(p, cost, s, committed)
    local active = s.active
    if committed then active = active + 1 end
    local remaining = p[1] - active
    if remaining < 0 then remaining = 0 end
    local retry_us = 0
    if not s.allowed then retry_us = 1000000 end
    return remaining, 0, retry_us
  end,
}
