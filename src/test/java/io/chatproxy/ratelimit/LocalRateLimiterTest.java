package io.chatproxy.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.MutableClock;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

class LocalRateLimiterTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final MutableClock clock = new MutableClock();
    private final LocalRateLimiter limiter = new LocalRateLimiter(clock);

    @Test
    void allowsUpToTheLimitThenRefuses() {
        Limit limit = new Limit("ip-minute", "10.0.0.1", 3, MINUTE);

        assertThat(limiter.acquire(List.of(limit)).remaining(), is(2L));
        assertThat(limiter.acquire(List.of(limit)).remaining(), is(1L));
        assertThat(limiter.acquire(List.of(limit)).remaining(), is(0L));
        Decision refused = limiter.acquire(List.of(limit));

        assertThat(refused.allowed(), is(false));
        assertThat(refused.limit().scope(), is("ip-minute"));
        assertThat(refused.resetSeconds(), greaterThan(0L));
        assertThat(refused.resetSeconds(), lessThanOrEqualTo(120L));
    }

    @Test
    void windowSlidesAndAllowsAgain() {
        Limit limit = new Limit("session-minute", "s1", 2, MINUTE);
        limiter.acquire(List.of(limit));
        limiter.acquire(List.of(limit));
        Decision refused = limiter.acquire(List.of(limit));
        assertThat(refused.allowed(), is(false));

        clock.advance(Duration.ofSeconds(refused.resetSeconds()));

        assertThat(limiter.acquire(List.of(limit)).allowed(), is(true));
    }

    @Test
    void previousWindowStillCountsWhileItSlidesOut() {
        Limit limit = new Limit("ip-minute", "10.0.0.2", 4, MINUTE);
        long start = clock.millis();
        clock.advance(Duration.ofMillis(60_000 - Math.floorMod(start, 60_000) + 1));
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.acquire(List.of(limit)).allowed(), is(true));
        }
        // 6 s into the next window 90 % of the previous window still overlaps: 3.6 of 4 used
        clock.advance(Duration.ofSeconds(66));

        assertThat(limiter.acquire(List.of(limit)).allowed(), is(false));
        clock.advance(Duration.ofSeconds(30));
        assertThat(limiter.acquire(List.of(limit)).allowed(), is(true));
    }

    @Test
    void refusedRequestConsumesNoQuotaInOtherScopes() {
        Limit tight = new Limit("session-minute", "s2", 1, MINUTE);
        Limit loose = new Limit("ip-minute", "10.0.0.3", 2, MINUTE);

        assertThat(limiter.acquire(List.of(tight, loose)).allowed(), is(true));
        assertThat(limiter.acquire(List.of(tight, loose)).allowed(), is(false));
        assertThat(limiter.acquire(List.of(tight, loose)).allowed(), is(false));

        Limit other = new Limit("session-minute", "s3", 5, MINUTE);
        assertThat(limiter.acquire(List.of(other, loose)).allowed(), is(true));
    }

    @Test
    void reportsTightestScopeOnSuccess() {
        Decision decision = limiter.acquire(List.of(new Limit("a", "x", 100, MINUTE), new Limit("b", "x", 5, MINUTE)));

        assertThat(decision.limit().scope(), is("b"));
        assertThat(decision.remaining(), is(4L));
    }

    @Test
    void exactlyTheLimitPassesUnderConcurrency() throws Exception {
        List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        Limit limit = new Limit("ip-minute", "10.9.9.9", 50, MINUTE);
        AtomicInteger passed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(200);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    if (limiter.acquire(List.of(limit)).allowed()) {
                        passed.incrementAndGet();
                    }
                    done.countDown();
                    return null;
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<?> f : futures) {
                f.get();
            }
            done.await();
        }
        assertThat(passed.get(), is(50));
    }
}
