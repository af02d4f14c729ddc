-- Token bucket: capacity C tokens, refilled continuously at R tokens per second, a request takes
-- `cost` tokens. State: one string per key, 16 bytes: tokens and last update (µs) as two
-- little-endian IEEE doubles (struct.pack '<dd': exact, and no number formatting or parsing, the
-- dearest Lua work in a call). The Java reference model (TokenBucketModel) mirrors this arithmetic
-- operation by operation; change both together.
-- params: capacity, refill per second
LG_ALGORITHMS['token-bucket'] = {
  nparams = 2,

  -- Phase 1: validate and read, never write. The state, or nil and why the arguments are invalid.
  check = function(key, now, cost, capacity, rate)
    if not (capacity and capacity > 0 and capacity < LG_HUGE) then return nil, 'capacity must be a finite number > 0' end
    if not (rate and rate > 0 and rate < LG_HUGE) then return nil, 'refill-per-second must be a finite number > 0' end
    if cost > capacity then return nil, 'cost must not exceed capacity' end
    local tokens, ts = capacity, now
    local stored = redis.call('GET', key)
    if stored then tokens, ts = struct.unpack('<dd', stored) end
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end
    tokens = tokens + elapsed * rate / 1000000
    if tokens > capacity then tokens = capacity end
    return { cost = cost, allowed = tokens >= cost, tokens = tokens, capacity = capacity, rate = rate }
  end,

  -- Phase 2: charge when `charge` (every limit of the call allowed), then report: remaining
  -- (whole tokens), µs until the next whole token, µs until `cost` tokens are there (0 if allowed).
  finish = function(key, now, s, charge)
    local cost = s.cost
    local capacity, rate = s.capacity, s.rate
    local left = s.tokens
    if charge then
      left = left - cost
      -- Expire when the bucket would be full again: an absent key reads as a full bucket.
      local full_ms = ceil((capacity - left) * 1000 / rate)
      if full_ms < 1 then full_ms = 1 end
      redis.call('SET', key, struct.pack('<dd', left, now), 'PX', full_ms)
    end
    local remaining = floor(left)
    local next_us = 0
    if left < capacity then next_us = ceil((remaining + 1 - left) * 1000000 / rate) end
    local retry_us = 0
    if not s.allowed then retry_us = ceil((cost - s.tokens) * 1000000 / rate) end
    return remaining, next_us, retry_us
  end,
}
