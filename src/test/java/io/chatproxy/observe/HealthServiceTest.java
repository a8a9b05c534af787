package io.chatproxy.observe;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
    private final HttpClient http = HttpClient.newHttpClient();
    private WebServer server;

    @BeforeEach
    void start() {
        server = WebServer.builder().host("127.0.0.1").port(0)
                .routing(HttpRouting.builder().register("/health", health)).build().start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    /** The status /health answers (its public body is the status only). */
    private String status() {
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new JsonCodec().mapper().readTree(res.body()).path("status").asText();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRecoveryShowsWithinAQuarterSecondNotAfterTheTwoSecondCache() {
        assertThat(status(), is("unhealthy"));

        redisUp.set(true);
        clock.advance(Duration.ofMillis(300));

        assertThat(status(), is("healthy"));
    }

    @Test
    void aHealthyResultIsCachedForTwoSeconds() {
        redisUp.set(true);
        assertThat(status(), is("healthy"));

        redisUp.set(false);
        clock.advance(Duration.ofMillis(1500));
        assertThat(status(), is("healthy"));
        clock.advance(Duration.ofMillis(600));
        assertThat(status(), is("unhealthy"));
    }

    @Test
    void anOutageIsCheckedAtMostFourTimesASecond() {
        for (int i = 0; i < 100; i++) {
            status();
        }
        clock.advance(Duration.ofMillis(260));
        for (int i = 0; i < 100; i++) {
            status();
        }

        assertThat(checks.get(), is(2));
    }

    @Test
    void aDependencyFoundDownOrBackIsShownAtOnceDespiteTheCache() {
        redisUp.set(true);
        assertThat(status(), is("healthy"));

        redisUp.set(false);
        stateChanges.incrementAndGet();
        assertThat(status(), is("unhealthy"));

        redisUp.set(true);
        stateChanges.incrementAndGet();
        assertThat(status(), is("healthy"));
    }
}
