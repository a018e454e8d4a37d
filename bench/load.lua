-- wrk script for bench/load.py: one page, GET, as the people whose session cookies are given.
--
-- LOAD_PATH     the path to request (with its query string)
-- LOAD_COOKIES  "Cookie" header values separated by "|": each request takes the next one, so
--               the calls of 32 connections can be spread over 32 people (the API's per-user
--               throttle would otherwise answer one person's 32 connections with 429)
-- Requests carry X-Forwarded-Proto: https, as they do behind the TLS proxy that production
-- settings expect (SECURE_PROXY_SSL_HEADER; without it every request is redirected to https).
--
-- Prints one JSON line: requests, seconds, latency percentiles (ms), and the errors: responses
-- that are not 2xx (counted here: wrk itself counts only >= 400), timeouts and socket errors.

local path = os.getenv("LOAD_PATH") or "/healthz"
local cookies = {}
for value in string.gmatch(os.getenv("LOAD_COOKIES") or "", "([^|]+)") do
  table.insert(cookies, value)
end

local threads = {}
local counter = 1

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 7
  table.insert(threads, thread)
end

function init(args)
  n = offset or 0
  bad = 0
  statuses = {}
end

function request()
  n = n + 1
  local headers = {
    ["X-Forwarded-Proto"] = "https",
    ["Accept-Language"] = "th",
  }
  if #cookies > 0 then
    headers["Cookie"] = cookies[(n % #cookies) + 1]
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local not_2xx = 0
  local codes = {}
  for _, thread in ipairs(threads) do
    not_2xx = not_2xx + thread:get("bad")
    for code, k in pairs(thread:get("statuses")) do
      codes[code] = (codes[code] or 0) + k
    end
  end
  local parts = {}
  for code, k in pairs(codes) do
    table.insert(parts, string.format('"%d": %d', code, k))
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, '
      .. '"max_ms": %.2f, "not_2xx": %d, "timeouts": %d, "socket_errors": %d, '
      .. '"statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    not_2xx, e.timeout, e.connect + e.read + e.write, table.concat(parts, ", ")
  ))
end
