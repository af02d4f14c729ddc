-- LimitGuard prelude: the algorithm registry and shared helpers. Redis forbids script globals, so
-- everything is a local of the one assembled chunk. Redis runs the chunk's top level on EVERY call:
-- each function and table defined here is allocated per call, so the prelude stays small and the
-- gateway assembles only the algorithm files a call uses (see README.md, "Cost").
local LG_ALGORITHMS = {}
local LG_HUGE = math.huge
local floor, ceil = math.floor, math.ceil

-- Whole number in [lo, hi] (rejects nil, NaN and infinities: every comparison with NaN is false).
local function lg_whole(x, lo, hi)
  return x ~= nil and x >= lo and x <= hi and x == floor(x)
end

-- Refund mode (README.md, "Refund mode"): ARGV[1] is 'refund'. The algorithms define their refund
-- functions only then, so an evaluation pays this one comparison and no closures for them.
local LG_REFUND = ARGV[1] == 'refund'
