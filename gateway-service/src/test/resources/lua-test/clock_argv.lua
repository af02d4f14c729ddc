-- Test clock: the time in microseconds is the LAST element of ARGV, so a test can drive the real
-- algorithm files through any sequence of times. Never used in production (see LimitScript).
local function lg_now_us()
  return tonumber(ARGV[#ARGV])
end
