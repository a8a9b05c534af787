package io.chatproxy.session;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.chatproxy.redis.RedisStore;
import io.chatproxy.tracing.Spans;

/**
 * Sessions cached in Redis as hashes, shared by all replicas, each for at most the cache TTL and never past the
 * session's own expiry. Revocation on any replica evicts the entry for all of them.
 */
public final class RedisSessionCache implements SessionCache {
    private static final System.Logger LOGGER = System.getLogger(RedisSessionCache.class.getName());

    private final RedisStore redis;
    private final Duration ttl;
    private final Clock clock;

    /**
     * Creates the cache.
     *
     * @param redis Redis
     * @param ttl longest time an entry is kept
     * @param clock time source
     */
    public RedisSessionCache(RedisStore redis, Duration ttl, Clock clock) {
        this.redis = redis;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    @SuppressWarnings("try") // the span is current while Redis answers
    public Optional<Session> get(String id) {
        try (Spans.Child span = Spans.redis("HGETALL", "session")) {
            Map<String, String> fields = span.call(() -> redis.commands().hgetall(key(id)));
            span.attribute("chat.session_cache.hit", fields != null && !fields.isEmpty() ? "true" : "false");
            if (fields == null || fields.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Session(id, fields.get("origin_domain"), fields.get("page_url"),
                    fields.get("fingerprint"),
                    Instant.ofEpochMilli(Long.parseLong(fields.get("created_at"))),
                    Instant.ofEpochMilli(Long.parseLong(fields.get("expires_at"))),
                    Optional.empty()));
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "Session cache read failed: " + e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void put(Session session) {
        long remaining = Duration.between(clock.instant(), session.expiresAt()).toMillis();
        long keep = Math.min(ttl.toMillis(), remaining);
        if (keep <= 0 || session.revokedAt().isPresent()) {
            return;
        }
        try (Spans.Child span = Spans.redis("HSET", "session")) {
            String key = key(session.id());
            span.call(() -> redis.commands().hset(key, Map.of("origin_domain", session.originDomain(),
                    "page_url", session.pageUrl(),
                    "fingerprint", session.fingerprint(),
                    "created_at", Long.toString(session.createdAt().toEpochMilli()),
                    "expires_at", Long.toString(session.expiresAt().toEpochMilli()))));
            span.call(() -> redis.commands().pexpire(key, keep));
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "Session cache write failed: " + e.getMessage());
        }
    }

    @Override
    public void evict(String id) {
        try (Spans.Child span = Spans.redis("DEL", "session")) {
            span.call(() -> redis.commands().del(key(id)));
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "Session cache eviction failed for a session; it expires within " + ttl);
        }
    }

    private String key(String id) {
        return redis.key("session:" + id);
    }
}
