-- Forgets a cached session, leaving a tombstone: the hash keeps only its "gen" field, bumped, for the cache TTL, so
-- that a put based on a read from before this eviction is refused (see session-cache-put.lua).
-- KEYS[1] = the session's hash. ARGV[1] = the tombstone's TTL in ms. Returns {gen}.
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HDEL', KEYS[1], 'origin_domain', 'page_url', 'fingerprint', 'created_at', 'expires_at')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {gen}
