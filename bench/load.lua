-- wrk script of bench/load.py. Environment:
--   LOAD_TOKEN     API token sent as "Authorization: Token <key>" (empty: none)
--   LOAD_DELAY_MS  pause of each connection before its next request (pacing for the half-saturation run; 0: none)
-- Every request carries a random X-Forwarded-For: the portal runs behind one proxy (REVERSE_PROXY_COUNT=1), so the
-- public register's per-address rate limit counts many visitors, as on the real site, instead of refusing wrk.
-- done() prints one line "LOADJSON {...}" that bench/load.py parses (latencies in microseconds).

local token = os.getenv("LOAD_TOKEN") or ""
local delay_ms = tonumber(os.getenv("LOAD_DELAY_MS") or "0") or 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + tonumber(string.sub(tostring({}), -6), 16))
  if token ~= "" then
    wrk.headers["Authorization"] = "Token " .. token
  end
end

function request()
  wrk.headers["X-Forwarded-For"] =
    string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(nil, nil)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max
  ))
end
