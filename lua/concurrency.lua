-- Concurrency limiter: at most `max` requests in flight per key. State: one sorted set per key,
-- member = lease id (a request's id), score = the lease's expiry in µs. A request takes one slot
-- whatever its cost (quota unit: concurrent-requests) and gives it back when its response ends
-- (the gateway sends ZREM key <lease id>: idempotent); a lease that is never given back (gateway
-- crashed) stops counting at its expiry. Slots do not come back with time, so next_us is 0 and a
-- rejected request is told to retry in a second. The Java reference model (ConcurrencyModel)
-- mirrors this; change both together.
-- params: max in flight, lease in milliseconds, lease id (the request's id, an integer)
LG_ALGORITHMS['concurrency'] = {
  nparams = 3,

  check = function(key, now, cost, max, lease_ms, lease)
    if not lg_whole(max, 1, LG_HUGE) then return nil, 'max-in-flight must be a whole number >= 1' end
    if not lg_whole(lease_ms, 1, 1e12) then return nil, 'lease must be a whole number of milliseconds in [1, 1e12]' end
    if not lg_whole(lease, 0, 9007199254740991) then return nil, 'lease id must be a whole number in [0, 2^53)' end
    local active = redis.call('ZCOUNT', key, '(' .. string.format('%.0f', now), '+inf')
    return { cost = cost, allowed = active + 1 <= max, active = active, max = max, lease_ms = lease_ms, lease = lease }
  end,

  finish = function(key, now, s, charge)
    local cost = s.cost
    local active = s.active
    if charge then
      active = active + 1
      -- drop expired leases of crashed gateways, then take a slot until now + lease
      redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now))
      redis.call('ZADD', key, string.format('%.0f', now + s.lease_ms * 1000), string.format('%.0f', s.lease))
      -- the key lives as long as its longest lease: never shorten it (the lease was made shorter, or the
      -- clock stepped back), or the longer leases would vanish with it while their requests are in flight
      if redis.call('PTTL', key) < s.lease_ms then redis.call('PEXPIRE', key, s.lease_ms) end
    end
    local remaining = s.max - active
    if remaining < 0 then remaining = 0 end
    local retry_us = 0
    if not s.allowed then retry_us = 1000000 end
    return remaining, 0, retry_us
  end,
}

-- Refund (a later Redis Cluster slot rejected the request): the lease goes, as on release.
if LG_REFUND then
  LG_ALGORITHMS['concurrency'].refund = function(key, now, cost, max, lease_ms, lease)
    redis.call('ZREM', key, string.format('%.0f', lease))
  end
end
