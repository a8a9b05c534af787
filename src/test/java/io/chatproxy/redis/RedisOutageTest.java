package io.chatproxy.redis;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * Redis killed while the service runs, for each configured failure mode, and brought back.
 */
class RedisOutageTest {
    private RedisServer redis;
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        redis = RedisServer.privateProcess();
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(1, java.time.Duration.ZERO));
    }

    @AfterEach
    void stop() {
        n8n.close();
        redis.close();
    }

    private TestApp app(String mode) {
        return TestApp.start(TestEnv.create().n8n(n8n).redis(redis).set("RATE_LIMIT_PER_MINUTE", "6",
                "CHAT_PROXY_RATE_LIMIT__REPLICAS", "3", "CHAT_PROXY_RATE_LIMIT__ON_REDIS_FAILURE", mode,
                "HEALTH_DETAILS", "true").map());
    }

    @Test
    void localModeLimitsInProcessWithTheLimitDividedAndRecovers() throws Exception {
        try (TestApp app = app("local")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            assertThat(status(app), is("healthy"));

            redis.stop();

            assertThat(send(visitor), is(200));
            assertThat(send(visitor), is(200));
            assertThat(send(visitor), is(429));
            Thread.sleep(2100);
            JsonNode health = visitor.get("/health").json();
            assertThat(health.get("status").asText(), is("degraded"));
            assertThat(health.get("services").get("redis").get("status").asText(), is("down"));
            assertThat(visitor.get("/health").status(), is(200));
            assertThat(visitor.get("/metrics").json().get("rate_limits").get("fallback_decisions").asLong(),
                    greaterThan(0L));

            redis.start();
            awaitRedis(visitor);
            assertThat(send(visitor), is(200));
            Thread.sleep(2100);
            assertThat(status(app), is("healthy"));
        }
    }

    @Test
    void allowModeLetsRequestsThrough() {
        try (TestApp app = app("allow")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            redis.stop();

            for (int i = 0; i < 8; i++) {
                assertThat(send(visitor), is(200));
            }
        }
    }

    @Test
    void denyModeRefusesWith503AndIsUnhealthy() throws Exception {
        try (TestApp app = app("deny")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            redis.stop();

            Visitor.Answer answer = visitor.post("/api/v1/chat/message", "{\"message\":\"x\"}");

            assertThat(answer.status(), is(503));
            assertThat(answer.errorCode(), is("rate_limiter_unavailable"));
            Thread.sleep(2100);
            assertThat(visitor.get("/health").status(), is(503));
        }
    }

    @Test
    void healthComesBackByItselfOnceRedisIsBackWithoutAnyChat() throws Exception {
        try (TestApp app = app("deny")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            redis.stop();
            assertThat(send(visitor), is(503));
            Thread.sleep(300);
            assertThat(visitor.get("/health").status(), is(503));

            redis.start();

            long deadline = System.currentTimeMillis() + 10_000;
            while (!"healthy".equals(status(app)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(status(app), is("healthy"));
        }
    }

    @Test
    void sessionsStillValidateFromTheDatabaseWhileRedisIsDown() {
        try (TestApp app = app("local")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            redis.stop();

            assertThat(visitor.get("/api/v1/session/validate").status(), is(200));
        }
    }

    private static int send(Visitor visitor) {
        return visitor.post("/api/v1/chat/message", "{\"message\":\"x\"}").status();
    }

    private static String status(TestApp app) {
        return app.visitor().get("/health").json().get("status").asText();
    }

    private static void awaitRedis(Visitor visitor) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            Visitor.Answer answer = visitor.get("/metrics");
            long before = answer.json().get("rate_limits").get("fallback_decisions").asLong();
            visitor.post("/api/v1/session/validate", "{}");
            Visitor probe = visitor;
            int status = probe.post("/api/v1/chat/message", "{\"message\":\"probe\"}").status();
            long after = visitor.get("/metrics").json().get("rate_limits").get("fallback_decisions").asLong();
            if (after == before && status != 503) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Redis did not come back within 15 s");
    }
}
