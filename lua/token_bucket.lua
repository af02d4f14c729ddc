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
    -- the expiry (ms to full) must stay an integer Redis accepts
    if capacity / rate > 1e9 then return nil, 'capacity / refill-per-second must be at most 1e9 seconds' end
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

-- Refund (a later Redis Cluster slot rejected the request): `cost` tokens back, less what refilled
-- since the charge. Had the bucket reached capacity meanwhile, the charge cost only that much less
-- refill, and giving back all of `cost` would hand out tokens the cap discarded: never more than the
-- charge left behind, so a refund can cause a false rejection, never a false admission.
if LG_REFUND then
  LG_ALGORITHMS['token-bucket'].refund = function(key, now, cost, capacity, rate, _, charged_at)
    local stored = redis.call('GET', key)
    if not stored then return end -- absent reads as full: nothing to give back
    local tokens, ts = struct.unpack('<dd', stored)
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end
    local since = now - charged_at
    if since < 0 then since = 0 end
    local back = cost - since * rate / 1000000
    if back <= 0 then return end
    tokens = tokens + elapsed * rate / 1000000 + back
    if tokens >= capacity then
      redis.call('DEL', key) -- full again: absent reads as full
      return
    end
    local full_ms = ceil((capacity - tokens) * 1000 / rate)
    if full_ms < 1 then full_ms = 1 end
    redis.call('SET', key, struct.pack('<dd', tokens, now), 'PX', full_ms)
  end
end
