-- Caches a session unless it was evicted since the caller read the cache, in one atomic step: every eviction bumps
-- the hash's "gen" field (and leaves it behind), so a lookup that read the database before a revocation cannot put
-- the revoked session back after the revocation evicted it.
-- KEYS[1] = the session's hash. ARGV: [1] = the "gen" the caller's cache read saw ("0": none), [2] = TTL in ms,
-- then field, value, field, value, ...
-- Returns {1} when cached, {0} when an eviction came first.
local gen = redis.call('HGET', KEYS[1], 'gen') or '0'
if gen ~= ARGV[1] then
  return {0}
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1}
