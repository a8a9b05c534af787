package io.chatproxy.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.RedisTopology;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * Failovers of a Redis deployed for high availability while visitors chat, one deployment per class (a killed primary
 * is restarted as a replica before the next test): a SIGKILLed primary seen at once by three apps, one per
 * {@code on-redis-failure} mode, and a planned failover. Afterwards every answer is in history and the latest ones
 * resume from the journal on the new primary. The figures are printed; the bounds asserted are generous
 * (the machine running the tests is loaded), the targets are in the README.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RedisFailoverContract {
    private static final Set<String> DOCUMENTED_DENY = Set.of("503 rate_limiter_unavailable");
    private static final long RECOVERY_BOUND_MILLIS = 2500;
    private static final long HEALTH_BOUND_MILLIS = 4000;
    /** The app's redis.command-timeout (app.yaml's default) plus room for a loaded machine. */
    private static final long FAIL_FAST_BOUND_MILLIS = 1000 + 1000;
    private static final int VISITORS = 3;

    private RedisTopology redis;
    private FakeN8n n8n;

    /** Starts the deployment the tests fail over. */
    abstract RedisTopology startRedis();

    @BeforeAll
    void startDeployment() {
        redis = startRedis();
    }

    @AfterAll
    void stopDeployment() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void start() {
        redis.restoreKilled();
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ofMillis(5)));
    }

    @AfterEach
    void stop() {
        n8n.close();
    }

    @Test
    void aKilledPrimaryCostsOnlyFastDocumentedRefusalsInDenyAndNothingInLocalOrAllow() throws Exception {
        Map<String, TestApp> apps = new LinkedHashMap<>();
        Map<String, FailoverTraffic> traffic = new LinkedHashMap<>();
        try {
            for (String mode : List.of("deny", "local", "allow")) {
                apps.put(mode, app(mode));
            }
            apps.forEach((mode, app) -> traffic.put(mode, FailoverTraffic.start(app, VISITORS)));
            Thread.sleep(1000);

            long killed = System.nanoTime();
            int port = redis.killPrimary();
            long promoted = redis.awaitPromotion(port, 15_000);
            await(() -> System.nanoTime() - promoted > 1_500_000_000L
                    && traffic.values().stream().allMatch(t -> t.quietFor(1000) && t.healthyNow()), 10_000,
                    "chats answered and /health healthy again after the promotion");
            for (FailoverTraffic t : traffic.values()) {
                t.stop();
            }

            System.out.printf("%s SIGKILL: promotion %d ms after the kill%n", getClass().getSimpleName(),
                    millis(promoted - killed));
            traffic.forEach((mode, t) -> System.out.printf("  %-5s last failed chat %s ms after the promotion, "
                    + "slowest failure %d ms; /health healthy %s ms after it (seen %s); %d of %d chats failed %s%n",
                    mode, t.lastFailureEnd().stream().mapToObj(e -> Long.toString(millis(e - promoted))).findAny()
                            .orElse("-"),
                    t.slowestFailureMillis(), t.healthyAgainAt(killed).stream()
                            .mapToObj(h -> Long.toString(millis(h - promoted))).findAny().orElse("-"),
                    t.healthSeenAfter(killed), t.failures().size(), t.chats(), t.failureKinds()));

            FailoverTraffic deny = traffic.get("deny");
            assertThat(deny.failureKinds().stream().filter(k -> !DOCUMENTED_DENY.contains(k)).toList(), is(empty()));
            assertThat(deny.slowestFailureMillis(), lessThan(FAIL_FAST_BOUND_MILLIS));
            assertThat(millis(deny.lastFailureEnd().orElse(promoted) - promoted), lessThan(RECOVERY_BOUND_MILLIS));
            assertThat(deny.healthSeenAfter(killed), hasItem("unhealthy"));
            assertThat(millis(deny.healthyAgainAt(killed).orElseThrow() - promoted), lessThan(HEALTH_BOUND_MILLIS));
            assertThat(traffic.get("local").failures(), is(empty()));
            assertThat(traffic.get("local").healthSeenAfter(killed), hasItem("degraded"));
            assertThat(traffic.get("allow").failures(), is(empty()));
            for (FailoverTraffic t : traffic.values()) {
                assertThat(t.answeredAfter(promoted), is(true));
                assertThat(t.missingFromHistory(), is(empty()));
                assertThat(t.resumesFailingAfter(promoted), is(empty()));
            }
        } finally {
            traffic.values().forEach(FailoverTraffic::close);
            apps.values().forEach(TestApp::close);
        }
    }

    @Test
    void aPlannedFailoverUnderTrafficIsNotSeenByVisitors() throws Exception {
        try (TestApp app = app("deny"); FailoverTraffic traffic = FailoverTraffic.start(app, VISITORS)) {
            Thread.sleep(1000);

            long started = System.nanoTime();
            int old = redis.startPlannedFailover();
            long promoted = redis.awaitPromotion(old, 15_000);
            Thread.sleep(2000);
            traffic.stop();

            System.out.printf("%s planned failover: promotion %d ms after the command; %d of %d chats failed %s, "
                    + "the last %s ms after the promotion; /health seen %s%n", getClass().getSimpleName(),
                    millis(promoted - started), traffic.failures().size(), traffic.chats(), traffic.failureKinds(),
                    traffic.lastFailureEnd().stream().mapToObj(e -> Long.toString(millis(e - promoted))).findAny()
                            .orElse("-"),
                    traffic.healthSeenAfter(started));

            assertThat(traffic.failures(), is(empty()));
            assertThat(traffic.answeredAfter(promoted), is(true));
            assertThat(traffic.missingFromHistory(), is(empty()));
            assertThat(traffic.resumesFailingAfter(promoted), is(empty()));
        }
    }

    private TestApp app(String mode) {
        return TestApp.start(TestEnv.create().n8n(n8n)
                .set("CHAT_PROXY_RATE_LIMIT__ON_REDIS_FAILURE", mode, "RATE_LIMIT_PER_MINUTE", "20000")
                .set(redis.env().entrySet().stream().flatMap(e -> Stream.of(e.getKey(), e.getValue()))
                        .toArray(String[]::new))
                .map());
    }

    private static void await(BooleanSupplier done, long timeoutMillis, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeoutMillis + " ms");
            }
            Thread.sleep(20);
        }
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
