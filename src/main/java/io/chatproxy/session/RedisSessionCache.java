package io.chatproxy.session;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import io.lettuce.core.RedisFuture;

import io.chatproxy.redis.Pending;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.tracing.Spans;

/**
 * Sessions cached in Redis as hashes, shared by all replicas, each for at most the cache TTL and never past the
 * session's own expiry. Revocation on any replica evicts the entry for all of them and leaves a tombstone (the hash's
 * {@code gen} field) that refuses puts based on earlier reads: both the write and the eviction are one script each.
 */
public final class RedisSessionCache implements SessionCache {
    private static final System.Logger LOGGER = System.getLogger(RedisSessionCache.class.getName());
    private static final RedisConnections.Script PUT = RedisConnections.Script.load("/redis/session-cache-put.lua");
    private static final RedisConnections.Script EVICT = RedisConnections.Script.load("/redis/session-cache-evict.lua");

    private final RedisConnections redis;
    private final Duration ttl;
    private final Clock clock;

    /**
     * Creates the cache.
     *
     * @param redis Redis
     * @param ttl longest time an entry is kept
     * @param clock time source
     */
    public RedisSessionCache(RedisConnections redis, Duration ttl, Clock clock) {
        this.redis = redis;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public Lookup get(String id) {
        return start(id).await();
    }

    @Override
    public Pending<Lookup> start(String id) {
        RedisFuture<Map<String, String>> sent;
        try {
            sent = redis.async().hgetall(key(id));
        } catch (RuntimeException e) {
            return Pending.of(unread(e));
        }
        return () -> read(id, sent);
    }

    @SuppressWarnings("try") // the span is current while Redis answers
    private Lookup read(String id, RedisFuture<Map<String, String>> sent) {
        try (Spans.Child span = Spans.redis("HGETALL", "session")) {
            Map<String, String> fields = span.call(() -> redis.await(sent));
            boolean hit = fields != null && fields.containsKey("origin_domain");
            span.attribute("chat.session_cache.hit", hit ? "true" : "false");
            if (fields == null) {
                return new Lookup(Optional.empty(), NEVER_EVICTED);
            }
            String version = fields.getOrDefault("gen", NEVER_EVICTED);
            if (!fields.containsKey("origin_domain")) {
                return new Lookup(Optional.empty(), version);
            }
            return new Lookup(Optional.of(new Session(id, fields.get("origin_domain"), fields.get("page_url"),
                    fields.get("fingerprint"),
                    Instant.ofEpochMilli(Long.parseLong(fields.get("created_at"))),
                    Instant.ofEpochMilli(Long.parseLong(fields.get("expires_at"))),
                    Optional.empty())), version);
        } catch (RuntimeException e) {
            return unread(e);
        }
    }

    private static Lookup unread(RuntimeException e) {
        LOGGER.log(Level.DEBUG, "Session cache read failed: " + e.getMessage());
        // a version no entry has: the session is not cached by this lookup
        return new Lookup(Optional.empty(), "unknown");
    }

    @Override
    @SuppressWarnings("try") // the span is current while Redis answers
    public void put(Session session, String version) {
        Optional<String[]> args = putArguments(session, version);
        if (args.isEmpty()) {
            return;
        }
        try (Spans.Child span = Spans.redis("EVALSHA", "session put")) {
            span.call(() -> redis.eval(PUT, new String[]{key(session.id())}, args.get()));
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "Session cache write failed: " + e.getMessage());
        }
    }

    @Override
    public void putNew(Session session) {
        Optional<String[]> args = putArguments(session, NEVER_EVICTED);
        if (args.isEmpty()) {
            return;
        }
        try {
            var unused = redis.startEval(PUT, new String[]{key(session.id())}, args.get()); // not awaited
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "Session cache write failed: " + e.getMessage());
        }
    }

    /** The put script's arguments; none when the session is not to be cached (revoked, or about to expire). */
    private Optional<String[]> putArguments(Session session, String version) {
        long remaining = Duration.between(clock.instant(), session.expiresAt()).toMillis();
        long keep = Math.min(ttl.toMillis(), remaining);
        if (keep <= 0 || session.revokedAt().isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new String[]{version, Long.toString(keep),
                "origin_domain", session.originDomain(),
                "page_url", session.pageUrl(),
                "fingerprint", session.fingerprint(),
                "created_at", Long.toString(session.createdAt().toEpochMilli()),
                "expires_at", Long.toString(session.expiresAt().toEpochMilli())});
    }

    @Override
    @SuppressWarnings("try") // the span is current while Redis answers
    public void evict(String id) {
        try (Spans.Child span = Spans.redis("EVALSHA", "session evict")) {
            span.call(() -> redis.eval(EVICT, new String[]{key(id)}, Long.toString(ttl.toMillis())));
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "Session cache eviction failed for a session; it expires within " + ttl);
        }
    }

    private String key(String id) {
        return redis.key("session:" + id);
    }
}
