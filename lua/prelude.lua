-- LimitGuard prelude: shared helpers and the algorithm registry. Redis forbids script globals,
-- so everything is a local of the one assembled chunk.
local LG_ALGORITHMS = {}

-- tonumber() accepts "nan" and "inf"; neither is a valid limit parameter.
local function lg_finite(x)
  return x ~= nil and x == x and x ~= math.huge and x ~= -math.huge
end
