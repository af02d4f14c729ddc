-- LimitGuard clock: the current time in microseconds, from the Redis server (never the gateway).
-- Assembled first; the differential test swaps this file for one reading ARGV (see README.md).
local function lg_now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
