package io.chatproxy.ratelimit;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import io.chatproxy.redis.Pending;
import io.chatproxy.redis.RedisSettings;
import io.chatproxy.web.ApiException;

/**
 * The Redis limiter with a configured behaviour while Redis is unreachable: {@code local} limits in-process with the
 * limits divided by the replica count, {@code allow} lets requests through, {@code deny} refuses them with 503.
 * Every request tries Redis first (Lettuce fails fast while disconnected), so recovery needs no restart.
 */
public final class ResilientRateLimiter implements RateLimiter {
    private static final System.Logger LOGGER = System.getLogger(ResilientRateLimiter.class.getName());

    private final RateLimiter redis;
    private final LocalRateLimiter local;
    private final RedisSettings.FailureMode mode;
    private final int replicas;
    private final Runnable onFallback;
    private final AtomicBoolean failing = new AtomicBoolean();

    /**
     * Creates the limiter.
     *
     * @param redis the shared limiter
     * @param local the in-process fallback
     * @param mode behaviour while Redis is down
     * @param replicas replica count (divides the limits in local mode)
     * @param onFallback called for each request decided without Redis (for the metric)
     */
    public ResilientRateLimiter(RateLimiter redis, LocalRateLimiter local, RedisSettings.FailureMode mode,
            int replicas, Runnable onFallback) {
        this.redis = redis;
        this.local = local;
        this.mode = mode;
        this.replicas = replicas;
        this.onFallback = onFallback;
    }

    @Override
    public Decision acquire(List<Limit> limits) {
        return start(limits).await();
    }

    /** Redis failing when the check is sent or when it is awaited falls back alike, once awaited. */
    @Override
    public Pending<Decision> start(List<Limit> limits) {
        Pending<Decision> sent;
        try {
            sent = redis.start(limits);
        } catch (RuntimeException e) {
            return () -> fallBack(limits, e);
        }
        return () -> {
            try {
                Decision decision = sent.await();
                if (failing.compareAndSet(true, false)) {
                    LOGGER.log(Level.INFO, "Redis is back: rate limits are shared again");
                }
                return decision;
            } catch (RuntimeException e) {
                return fallBack(limits, e);
            }
        };
    }

    private Decision fallBack(List<Limit> limits, RuntimeException e) {
        if (failing.compareAndSet(false, true)) {
            LOGGER.log(Level.WARNING, "Redis unavailable for rate limiting (" + e.getClass().getSimpleName()
                    + "): falling back to '" + mode.name().toLowerCase(Locale.ROOT) + "'");
        }
        onFallback.run();
        return switch (mode) {
            case LOCAL -> local.acquire(limits.stream().map(this::share).toList());
            case ALLOW -> new Decision(true, limits.getFirst(), limits.getFirst().max(), 1);
            case DENY -> throw ApiException.unavailable("rate_limiter_unavailable",
                    "The service is busy: please retry shortly", 5);
        };
    }

    @Override
    public String kind() {
        return "redis";
    }

    /** Asks Redis itself: after an outage /health turns healthy once Redis answers, whether or not a chat came. */
    @Override
    public boolean healthy() {
        return redis.healthy();
    }

    private Limit share(Limit limit) {
        return new Limit(limit.scope(), limit.subject(), Math.max(1, (limit.max() + replicas - 1) / replicas),
                limit.window());
    }
}
