package io.chatproxy.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.MutableClock;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * What every rate limiter must do, the in-process one and the Redis one alike: a sliding window per scope and
 * subject, exact under concurrency, and a refused request counts nowhere.
 */
abstract class RateLimiterContract {
    static final Duration MINUTE = Duration.ofMinutes(1);

    final MutableClock clock = new MutableClock();

    /** The limiter under test, on {@link #clock}. */
    abstract RateLimiter limiter();

    @Test
    void countsPerScopeAndRefusesOverTheLimit() {
        Limit limit = new Limit("ip-minute", "10.0.0.1", 3, MINUTE);

        assertThat(limiter().acquire(List.of(limit)).remaining(), is(2L));
        assertThat(limiter().acquire(List.of(limit)).remaining(), is(1L));
        assertThat(limiter().acquire(List.of(limit)).remaining(), is(0L));
        Decision refused = limiter().acquire(List.of(limit));

        assertThat(refused.allowed(), is(false));
        assertThat(refused.limit(), is(limit));
        assertThat(refused.resetSeconds(), greaterThan(0L));
        assertThat(refused.resetSeconds(), lessThanOrEqualTo(120L));
        assertThat("another subject has its own count",
                limiter().acquire(List.of(new Limit("ip-minute", "10.0.0.2", 3, MINUTE))).allowed(), is(true));
    }

    @Test
    void windowSlidesAndAllowsAgain() {
        Limit limit = new Limit("session-minute", "s1", 2, MINUTE);
        limiter().acquire(List.of(limit));
        limiter().acquire(List.of(limit));
        Decision refused = limiter().acquire(List.of(limit));
        assertThat(refused.allowed(), is(false));

        clock.advance(Duration.ofSeconds(refused.resetSeconds()));

        assertThat(limiter().acquire(List.of(limit)).allowed(), is(true));
    }

    @Test
    void previousWindowStillCountsWhileItSlidesOut() {
        Limit limit = new Limit("ip-minute", "10.0.0.3", 4, MINUTE);
        clock.advance(Duration.ofMillis(60_000 - Math.floorMod(clock.millis(), 60_000) + 1));
        for (int i = 0; i < 4; i++) {
            assertThat(limiter().acquire(List.of(limit)).allowed(), is(true));
        }
        // 6 s into the next window 90 % of the previous window still overlaps: 3.6 of 4 used
        clock.advance(Duration.ofSeconds(66));

        assertThat(limiter().acquire(List.of(limit)).allowed(), is(false));
        clock.advance(Duration.ofSeconds(30));
        assertThat(limiter().acquire(List.of(limit)).allowed(), is(true));
    }

    @Test
    void refusedRequestCountsNowhere() {
        Limit tight = new Limit("session-minute", "s2", 1, MINUTE);
        Limit loose = new Limit("ip-minute", "10.0.0.4", 2, MINUTE);
        assertThat(limiter().acquire(List.of(tight, loose)).allowed(), is(true));

        for (int i = 0; i < 5; i++) {
            assertThat(limiter().acquire(List.of(tight, loose)).allowed(), is(false));
        }

        Limit other = new Limit("session-minute", "s3", 5, MINUTE);
        assertThat(limiter().acquire(List.of(other, loose)).allowed(), is(true));
    }

    @Test
    void reportsTightestScopeOnSuccess() {
        Decision decision = limiter().acquire(List.of(new Limit("a", "x", 100, MINUTE), new Limit("b", "x", 5,
                MINUTE)));

        assertThat(decision.limit().scope(), is("b"));
        assertThat(decision.remaining(), is(4L));
    }

    @Test
    void exactlyTheLimitPassesUnderConcurrency() throws Exception {
        Limit limit = new Limit("ip-minute", "10.9.9.9", 50, MINUTE);
        AtomicInteger passed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    if (limiter().acquire(List.of(limit)).allowed()) {
                        passed.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
        }

        assertThat(passed.get(), is(50));
    }
}
