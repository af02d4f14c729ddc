-- Token bucket: capacity C tokens, refilled continuously at R tokens per second, a request takes
-- `cost` tokens. State: one hash per key, fields tk (tokens, %.17g so it round-trips exactly) and
-- ts (last update, microseconds). The Java reference model (TokenBucketModel) mirrors this
-- arithmetic operation by operation; change both together.
-- params: [1] capacity, [2] refill per second
LG_ALGORITHMS['token-bucket'] = {
  nparams = 2,

  validate = function(p, cost)
    local capacity, rate = p[1], p[2]
    if not lg_finite(capacity) or capacity <= 0 then return 'capacity must be a finite number > 0' end
    if not lg_finite(rate) or rate <= 0 then return 'refill-per-second must be a finite number > 0' end
    if cost > capacity then return 'cost must not exceed capacity' end
    return nil
  end,

  -- Phase 1: read, never write.
  check = function(key, now, p, cost)
    local capacity, rate = p[1], p[2]
    local stored = redis.call('HMGET', key, 'tk', 'ts')
    local tokens = tonumber(stored[1])
    local ts = tonumber(stored[2])
    if tokens == nil or ts == nil then
      tokens = capacity
      ts = now
    end
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end
    tokens = tokens + elapsed * rate / 1000000
    if tokens > capacity then tokens = capacity end
    return { allowed = tokens >= cost, tokens = tokens, after = tokens - cost }
  end,

  -- Phase 2: only when every limit of the call allowed.
  commit = function(key, now, p, cost, s)
    local capacity, rate = p[1], p[2]
    redis.call('HSET', key, 'tk', string.format('%.17g', s.after), 'ts', string.format('%.0f', now))
    -- Expire when the bucket would be full again: an absent key reads as a full bucket.
    local full_ms = math.ceil((capacity - s.after) * 1000 / rate)
    if full_ms < 1 then full_ms = 1 end
    redis.call('PEXPIRE', key, string.format('%.0f', full_ms))
  end,

  -- remaining (whole tokens), microseconds until the next whole token, microseconds until `cost`
  -- tokens are available (0 when allowed).
  report = function(p, cost, s, committed)
    local capacity, rate = p[1], p[2]
    local left = s.tokens
    if committed then left = s.after end
    local remaining = math.floor(left)
    local next_us = 0
    if left < capacity then
      next_us = math.ceil((remaining + 1 - left) * 1000000 / rate)
    end
    local retry_us = 0
    if not s.allowed then
      retry_us = math.ceil((cost - s.tokens) * 1000000 / rate)
    end
    return remaining, next_us, retry_us
  end,
}
