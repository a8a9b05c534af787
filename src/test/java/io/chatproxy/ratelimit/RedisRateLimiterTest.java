package io.chatproxy.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.redis.RedisStore;
import io.chatproxy.testing.MutableClock;
import io.chatproxy.testing.RedisServer;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

class RedisRateLimiterTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private RedisServer redis;
    private RedisStore store;
    private final MutableClock clock = new MutableClock();
    private RedisRateLimiter limiter;

    @BeforeEach
    void connect() {
        redis = RedisServer.shared();
        store = RedisStore.connect(redis.url(), false, redis.prefix(), Duration.ofSeconds(1));
        limiter = new RedisRateLimiter(store, clock);
    }

    @AfterEach
    void clean() {
        store.close();
        redis.close();
    }

    @Test
    void countsPerScopeAndRefusesOverTheLimit() {
        Limit limit = new Limit("ip-minute", "10.0.0.1", 3, MINUTE);

        assertThat(limiter.acquire(List.of(limit)).remaining(), is(2L));
        assertThat(limiter.acquire(List.of(limit)).remaining(), is(1L));
        assertThat(limiter.acquire(List.of(limit)).remaining(), is(0L));
        Decision refused = limiter.acquire(List.of(limit));

        assertThat(refused.allowed(), is(false));
        assertThat(refused.limit(), is(limit));
        assertThat(refused.resetSeconds(), greaterThan(0L));
        assertThat(limiter.acquire(List.of(new Limit("ip-minute", "10.0.0.2", 3, MINUTE))).allowed(), is(true));
    }

    @Test
    void windowSlides() {
        Limit limit = new Limit("session-minute", "s1", 2, MINUTE);
        limiter.acquire(List.of(limit));
        limiter.acquire(List.of(limit));
        Decision refused = limiter.acquire(List.of(limit));
        assertThat(refused.allowed(), is(false));

        clock.advance(Duration.ofSeconds(refused.resetSeconds()));

        assertThat(limiter.acquire(List.of(limit)).allowed(), is(true));
    }

    @Test
    void refusedRequestCountsNowhere() {
        Limit tight = new Limit("session-minute", "s2", 1, MINUTE);
        Limit loose = new Limit("ip-minute", "10.1.1.1", 2, MINUTE);
        limiter.acquire(List.of(tight, loose));

        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire(List.of(tight, loose)).allowed(), is(false));
        }

        assertThat(limiter.acquire(List.of(new Limit("session-minute", "s3", 9, MINUTE), loose)).allowed(), is(true));
    }

    @Test
    void exactlyTheLimitPassesUnderConcurrency() throws Exception {
        List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        Limit limit = new Limit("ip-minute", "10.9.9.9", 50, MINUTE);
        AtomicInteger passed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    if (limiter.acquire(List.of(limit)).allowed()) {
                        passed.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<?> f : futures) {
                f.get();
            }
        }
        assertThat(passed.get(), is(50));
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
