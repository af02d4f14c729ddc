-- wrk script: spread requests over 1000 client keys (X-API-Key), so nothing is blocked
-- and Redis sees the same key distribution for every target.
local counter = 0
local thread_offset = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_offset = (id or 0) * 7919
end

request = function()
  counter = counter + 1
  local key = "client-" .. ((counter + thread_offset) % 1000)
  return wrk.format("GET", nil, { ["X-API-Key"] = key })
end
