package io.chatproxy.ratelimit;

import io.chatproxy.tracing.Spans;

import java.time.Clock;
import java.util.List;

import io.chatproxy.redis.Pending;
import io.chatproxy.redis.RedisConnections;

/**
 * The limiter shared by every replica: all scopes of a request are checked and counted in one Lua script call
 * (loaded once, run by SHA), so a refused request consumes nothing anywhere and concurrent requests never overshoot.
 * Counters are two keys per scope and subject (current and previous fixed window) that expire by themselves. All
 * keys carry the hash tag {@code {rl}} so that in a Redis Cluster they live in one slot and the script stays atomic.
 */
public final class RedisRateLimiter implements RateLimiter {
    private static final RedisConnections.Script SCRIPT = RedisConnections.Script.load("/redis/sliding-window.lua");

    private final RedisConnections redis;
    private final Clock clock;

    /**
     * Creates the limiter.
     *
     * @param redis Redis
     * @param clock time source (replicas' clocks are assumed NTP-synchronised)
     */
    public RedisRateLimiter(RedisConnections redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    @Override
    public Decision acquire(List<Limit> limits) {
        return start(limits).await();
    }

    @Override
    @SuppressWarnings("try") // the span is current while Redis answers
    public Pending<Decision> start(List<Limit> limits) {
        long now = clock.millis();
        String[] keys = new String[limits.size() * 2];
        String[] args = new String[1 + limits.size() * 2];
        args[0] = Long.toString(now);
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            long window = limit.window().toMillis();
            long start = now - Math.floorMod(now, window);
            String base = redis.key("rl:{rl}:" + limit.scope() + ":" + limit.subject() + ":");
            keys[2 * i] = base + start;
            keys[2 * i + 1] = base + (start - window);
            args[1 + 2 * i] = Integer.toString(limit.max());
            args[2 + 2 * i] = Long.toString(window);
        }
        Pending<List<Object>> reply = redis.startEval(SCRIPT, keys, args);
        return () -> {
            try (Spans.Child span = Spans.redis("EVAL", "rate_limit")) {
                return decision(limits, span.call(reply::await));
            }
        };
    }

    private static Decision decision(List<Limit> limits, List<Object> result) {
        boolean allowed = ((Long) result.get(0)) == 1L;
        Limit limit = limits.get(((Long) result.get(1)).intValue() - 1);
        long remaining = (Long) result.get(2);
        long millis = (Long) result.get(3);
        return new Decision(allowed, limit, Math.max(0, remaining), Math.max(1, (millis + 999) / 1000));
    }

    @Override
    public String kind() {
        return "redis";
    }

    /**
     * Asks the node that holds the limiter's keys (in a Cluster, the primary serving the {@code {rl}} slot): the
     * shared connection can be open while that node is gone.
     */
    @Override
    public boolean healthy() {
        try {
            var unused = redis.commands().exists(redis.key("rl:{rl}:health"));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
