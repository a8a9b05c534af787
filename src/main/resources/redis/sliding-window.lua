-- Multi-scope sliding-window rate limit (weighted two-window approximation), checked and counted atomically.
-- KEYS: for each limit i, KEYS[2i-1] = counter of the current fixed window, KEYS[2i] = counter of the previous one.
-- ARGV: [1] = now in ms, then for each limit i: ARGV[2i] = max, ARGV[2i+1] = window in ms.
-- Returns {1, i, remaining, reset_ms} when allowed (i = the limit with least room) and every current counter was
-- incremented; {0, i, 0, wait_ms} when limit i refused the request, in which case nothing was counted.
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local best, best_remaining, best_reset = 1, math.huge, 0
for i = 1, n do
  local max = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local elapsed = now % window
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local used = previous * (window - elapsed) / window + current
  if used + 1 > max then
    local budget = max - 1
    local left = window - elapsed
    local wait = -1
    if current <= budget and previous > 0 then
      local w = left - (budget - current) * window / previous
      if w < left then wait = math.max(0, math.ceil(w)) end
    end
    if wait < 0 then
      if current <= budget then
        wait = 0
      else
        wait = left + math.max(0, math.ceil(window - budget * window / current))
      end
    end
    return {0, i, 0, wait}
  end
  local remaining = math.floor(max - used - 1)
  if remaining < best_remaining then
    best, best_remaining, best_reset = i, remaining, window - elapsed
  end
end
for i = 1, n do
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * window)
end
return {1, best, best_remaining, best_reset}
