package io.chatproxy.ratelimit;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.redis.RedisSettings;
import io.chatproxy.redis.RedisConnections;
import io.chatproxy.testing.RedisServer;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

class RedisRateLimiterTest extends RateLimiterContract {
    private RedisServer redis;
    private RedisConnections store;
    private RedisRateLimiter limiter;

    @Override
    RateLimiter limiter() {
        return limiter;
    }

    @BeforeEach
    void connect() {
        redis = RedisServer.shared();
        store = RedisConnections.connect(redis.url(), false, redis.prefix(), Duration.ofSeconds(1),
                new RedisSettings.Recovery(Duration.ofMillis(200), 1, Duration.ofMillis(500), Duration.ofSeconds(10)));
        limiter = new RedisRateLimiter(store, clock);
    }

    @AfterEach
    void clean() {
        store.close();
        redis.close();
    }

    @Test
    void keysCarryPrefixAndExpire() {
        limiter.acquire(List.of(new Limit("ip-hour", "10.0.0.7", 5, Duration.ofHours(1))));

        List<String> keys = redis.keys();

        assertThat(keys.size(), is(1));
        assertThat(keys, everyItem(startsWith(redis.prefix() + "rl:{rl}:ip-hour:10.0.0.7:")));
        long ttl = redis.run(r -> r.pttl(keys.getFirst()));
        assertThat(ttl, greaterThan(0L));
        assertThat(ttl, lessThanOrEqualTo(Duration.ofHours(2).toMillis()));
    }

    @Test
    void reloadsScriptAfterRedisForgetsIt() {
        Limit limit = new Limit("ip-minute", "10.0.0.8", 5, MINUTE);
        limiter.acquire(List.of(limit));

        redis.run(r -> r.scriptFlush());

        assertThat(limiter.acquire(List.of(limit)).remaining(), is(3L));
    }

    @Test
    void sameAnswersAsTheInProcessLimiter() {
        LocalRateLimiter local = new LocalRateLimiter(clock);
        List<Limit> limits = List.of(new Limit("a", "x", 4, MINUTE), new Limit("b", "x", 6, Duration.ofHours(1)));
        for (int i = 0; i < 8; i++) {
            Decision fromRedis = limiter.acquire(limits);
            Decision fromLocal = local.acquire(limits);
            assertThat(fromRedis.allowed(), is(fromLocal.allowed()));
            assertThat(fromRedis.limit(), is(fromLocal.limit()));
            assertThat(fromRedis.remaining(), is(fromLocal.remaining()));
        }
    }
}
