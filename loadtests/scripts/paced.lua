-- Open-model pacing for wrk (a C load generator, so that the generator's own work is not .NET's):
-- requests go out on a fixed schedule of RATE per second (one thread, -t1), each ready connection taking
-- the next slot, so that a slow answer does not slow the load down as long as a connection is free
-- (-c well above rate x latency). wrk times each request from the moment it is written.
--   wrk -t1 -c64 -d10s -s paced.lua URL -- RATE [BEARER-KEY]
-- Prints one line: RESULT requests=N errors=N p50=ms p90=ms p99=ms p999=ms max=ms
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } gg_timespec;
int clock_gettime(int clock, gg_timespec *tp);
]]
local now = ffi.new("gg_timespec")
local function clock_ms()
  ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
  return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
end

local interval, slot

function init(args)
  interval = 1000 / tonumber(args[1])
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-GG-Tiers"] = "upstream"
  if args[2] then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
  wrk.body = '{"model":"load-model","messages":[{"role":"user","content":"latency question: amber basin cedar delta ember fjord glacier harbor island jungle"}],"max_tokens":16,"temperature":0,"stream":false}'
end

-- Milliseconds until this connection's next request: the next free slot of the schedule (0 when behind).
function delay()
  local t = clock_ms()
  slot = slot or t
  local due = slot
  slot = slot + interval
  if due <= t then
    return 0
  end
  return math.floor(due - t + 0.5)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d errors=%d p50=%.3f p90=%.3f p99=%.3f p999=%.3f max=%.3f\n",
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
end
