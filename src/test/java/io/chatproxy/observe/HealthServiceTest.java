package io.chatproxy.observe;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.chatproxy.testing.MutableClock;
import io.chatproxy.web.JsonCodec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class HealthServiceTest {
    private final MutableClock clock = new MutableClock();
    private final AtomicBoolean redisUp = new AtomicBoolean();
    private final AtomicInteger checks = new AtomicInteger();
    private final AtomicLong stateChanges = new AtomicLong();
    private final HealthService health = new HealthService(List.of(new DependencyProbe("redis", true, () -> {
        checks.incrementAndGet();
        return new DependencyProbe.Result(redisUp.get(), 1, Map.of());
    })), Map.of(), new JsonCodec(), clock, "test", false, stateChanges::get);

    @Test
    void aRecoveryShowsWithinAQuarterSecondNotAfterTheTwoSecondCache() {
        assertThat(health.status(), is("unhealthy"));

        redisUp.set(true);
        clock.advance(Duration.ofMillis(300));

        assertThat(health.status(), is("healthy"));
    }

    @Test
    void aHealthyResultIsCachedForTwoSeconds() {
        redisUp.set(true);
        assertThat(health.status(), is("healthy"));

        redisUp.set(false);
        clock.advance(Duration.ofMillis(1500));
        assertThat(health.status(), is("healthy"));
        clock.advance(Duration.ofMillis(600));
        assertThat(health.status(), is("unhealthy"));
    }

    @Test
    void anOutageIsCheckedAtMostFourTimesASecond() {
        for (int i = 0; i < 100; i++) {
            health.status();
        }
        clock.advance(Duration.ofMillis(260));
        for (int i = 0; i < 100; i++) {
            health.status();
        }

        assertThat(checks.get(), is(2));
    }

    @Test
    void aDependencyFoundDownOrBackIsShownAtOnceDespiteTheCache() {
        redisUp.set(true);
        assertThat(health.status(), is("healthy"));

        redisUp.set(false);
        stateChanges.incrementAndGet();
        assertThat(health.status(), is("unhealthy"));

        redisUp.set(true);
        stateChanges.incrementAndGet();
        assertThat(health.status(), is("healthy"));
    }
}
