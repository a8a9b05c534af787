package io.chatproxy.ratelimit;

import java.time.Clock;
import java.util.Optional;

import io.chatproxy.redis.RedisConnections;
import io.chatproxy.redis.RedisSettings;

/**
 * The rate-limit feature, built from the {@code rate-limit} and {@code redis} sections: one Redis script shared by
 * every replica (with its fallback while Redis is down), or in-process counters without Redis.
 *
 * @param limiter the limiter (for health)
 * @param guard what handlers call: 429 + {@code Retry-After} when a limit is reached
 */
public record RateLimits(RateLimiter limiter, RateLimitGuard guard) {
    /**
     * Builds the limiter and its guard.
     *
     * @param settings the {@code rate-limit} section
     * @param redisSettings the {@code redis} section (failure mode, replicas)
     * @param redis Redis, when configured
     * @param events counters
     * @param onFallback called each time a decision is made without Redis
     * @param clock time source
     * @return the feature
     */
    public static RateLimits create(RateLimitSettings settings, RedisSettings redisSettings,
            Optional<RedisConnections> redis, RateLimitEvents events, Runnable onFallback, Clock clock) {
        RateLimiter limiter = redis.<RateLimiter>map(r -> new ResilientRateLimiter(
                new RedisRateLimiter(r, clock), new LocalRateLimiter(clock), redisSettings.onFailure(),
                redisSettings.replicas(), onFallback))
                .orElseGet(() -> new LocalRateLimiter(clock));
        return new RateLimits(limiter, new RateLimitGuard(limiter, settings, events));
    }
}
