package io.chatproxy.redis;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import io.chatproxy.config.SettingsReader;

/**
 * How to reach Redis and what to do without it.
 *
 * @param url {@code redis://}, {@code rediss://} (TLS) or {@code redis-sentinel://} URI as Lettuce parses it, if set
 * @param cluster whether the URI points at a Redis Cluster
 * @param keyPrefix prefix of every key, so several deployments can share one Redis
 * @param commandTimeout longest wait for any Redis command
 * @param onFailure what the rate limiter does while Redis is unreachable
 * @param replicas replicas sharing the limits (the local fallback divides limits by this)
 * @param sessionCacheTtl longest a validated session stays cached
 * @param recovery how quickly a failover is followed
 */
public record RedisSettings(Optional<String> url,
        boolean cluster,
        String keyPrefix,
        Duration commandTimeout,
        FailureMode onFailure,
        int replicas,
        Duration sessionCacheTtl,
        Recovery recovery) {
    /**
     * Reads the settings.
     *
     * @param r settings reader
     * @return settings
     */
    public static RedisSettings read(SettingsReader r) {
        Optional<String> url = r.optionalString("redis.url");
        url.ifPresent(u -> {
            String lower = u.toLowerCase(Locale.ROOT);
            if (!(lower.startsWith("redis://") || lower.startsWith("rediss://") || lower.startsWith("redis-sentinel://")
                    || lower.startsWith("rediss-sentinel://"))) {
                throw SettingsReader.invalid("redis.url", "must start with redis://, rediss:// or redis-sentinel://");
            }
        });
        FailureMode mode;
        try {
            mode = FailureMode.valueOf(r.string("rate-limit.on-redis-failure").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw SettingsReader.invalid("rate-limit.on-redis-failure", "must be local, allow or deny");
        }
        return new RedisSettings(url,
                r.bool("redis.cluster"),
                r.string("redis.key-prefix"),
                r.duration("redis.command-timeout"),
                mode,
                r.integer("rate-limit.replicas", 1, 1000),
                r.duration("redis.session-cache-ttl"),
                new Recovery(r.duration("redis.reconnect-max-delay"),
                        r.integer("redis.topology-refresh.reconnect-attempts", 1, 100),
                        r.duration("redis.topology-refresh.min-interval"),
                        r.duration("redis.topology-refresh.period")));
    }

    /**
     * How quickly the client follows a failover.
     *
     * @param reconnectMaxDelay longest pause between two reconnect attempts (they back off from 1 ms, doubling)
     * @param refreshAfterReconnectAttempts Cluster: a node that failed this many reconnects in a row triggers a
     *        topology refresh
     * @param refreshMinInterval Cluster: at most one triggered topology refresh in this time
     * @param refreshPeriod Cluster: the topology is refreshed this often anyway
     */
    public record Recovery(Duration reconnectMaxDelay,
            int refreshAfterReconnectAttempts,
            Duration refreshMinInterval,
            Duration refreshPeriod) {
    }

    /** What the rate limiter does while Redis is unreachable. */
    public enum FailureMode {
        /** Limit in-process, with the limits divided by the replica count. */
        LOCAL,
        /** Let requests through. */
        ALLOW,
        /** Refuse requests with 503. */
        DENY
    }
}
