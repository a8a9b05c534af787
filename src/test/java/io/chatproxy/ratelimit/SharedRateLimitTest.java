package io.chatproxy.ratelimit;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * Rate limits through the HTTP API with Redis shared by several server instances.
 */
class SharedRateLimitTest {
    private RedisServer redis;
    private PostgresDatabase database;
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        redis = RedisServer.shared();
        database = PostgresDatabase.create();
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(1, java.time.Duration.ZERO));
    }

    @AfterEach
    void stop() {
        n8n.close();
        database.close();
        redis.close();
    }

    private Map<String, String> env(String... pairs) {
        return TestEnv.create().n8n(n8n).postgres(database).redis(redis).set(pairs).map();
    }

    @Test
    void limitHoldsAcrossTwoInstances() {
        Map<String, String> env = env("RATE_LIMIT_PER_MINUTE", "4");
        try (TestApp one = TestApp.start(env); TestApp two = TestApp.start(env)) {
            Visitor onOne = one.visitor();
            onOne.createSession();
            Visitor onTwo = onOne.at(two.uri());

            assertThat(onOne.post("/api/v1/chat/message", "{\"message\":\"1\"}").status(), is(200));
            assertThat(onTwo.post("/api/v1/chat/message", "{\"message\":\"2\"}").status(), is(200));
            assertThat(onOne.post("/api/v1/chat/message", "{\"message\":\"3\"}").status(), is(200));
            assertThat(onTwo.post("/api/v1/chat/message", "{\"message\":\"4\"}").status(), is(200));
            Visitor.Answer fifth = onOne.post("/api/v1/chat/message", "{\"message\":\"5\"}");

            assertThat(fifth.status(), is(429));
            assertThat(fifth.errorCode(), is("rate_limited"));
            assertThat(fifth.json().get("error").get("scope").asText(), is("session-minute"));
            assertThat(onTwo.post("/api/v1/chat/message", "{\"message\":\"6\"}").status(), is(429));
            assertThat(n8n.requestCount(), is(4));
        }
    }

    @Test
    void headersNameTheScope() {
        try (TestApp app = TestApp.start(env("RATE_LIMIT_PER_MINUTE", "2"))) {
            Visitor visitor = app.visitor();
            visitor.createSession();

            Visitor.Answer first = visitor.post("/api/v1/chat/message", "{\"message\":\"a\"}");
            visitor.post("/api/v1/chat/message", "{\"message\":\"b\"}");
            Visitor.Answer refused = visitor.post("/api/v1/chat/message", "{\"message\":\"c\"}");

            assertThat(first.header("RateLimit-Policy").orElseThrow(), is("\"session-minute\";q=2;w=60"));
            assertThat(first.header("RateLimit").orElseThrow(), startsWith("\"session-minute\";r=1;t="));
            assertThat(refused.status(), is(429));
            assertThat(refused.header("RateLimit-Policy").orElseThrow(), is("\"session-minute\";q=2;w=60"));
            assertThat(refused.header("RateLimit").orElseThrow(), startsWith("\"session-minute\";r=0;t="));
            long retryAfter = Long.parseLong(refused.header("Retry-After").orElseThrow());
            assertThat(retryAfter > 0 && retryAfter <= 120, is(true));
            assertThat(refused.header("Access-Control-Expose-Headers").orElseThrow(), containsString("RateLimit"));
            assertThat(refused.json().get("error").get("retry_after").asLong(), is(retryAfter));
        }
    }

    @Test
    void sessionCreationHasItsOwnStricterLimit() {
        try (TestApp app = TestApp.start(env("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "3"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(app.visitor().createSession().status(), is(201));
            }
            Visitor.Answer refused = app.visitor().createSession();

            assertThat(refused.status(), is(429));
            assertThat(refused.json().get("error").get("scope").asText(), is("create-ip-minute"));
        }
    }

    @Test
    void twoHundredParallelRequestsAgainstFiftyLetExactlyFiftyThrough() throws Exception {
        try (TestApp app = TestApp.start(env("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "50"));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                results.add(pool.submit(() -> app.visitor().createSession().status()));
            }
            int created = 0;
            for (Future<Integer> f : results) {
                created += f.get() == 201 ? 1 : 0;
            }
            assertThat(created, is(50));
        }
    }

    @Test
    void spoofedForwardedForFromUntrustedPeerIsIgnored() {
        try (TestApp app = TestApp.start(env("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "2"))) {
            assertThat(createFrom(app, "203.0.113.1").status(), is(201));
            assertThat(createFrom(app, "203.0.113.2").status(), is(201));
            assertThat(createFrom(app, "203.0.113.3").status(), is(429));
        }
    }

    @Test
    void forwardedForFromTrustedProxyIsBelieved() {
        try (TestApp app = TestApp.start(env("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "2",
                "TRUSTED_PROXIES", "127.0.0.0/8,::1"))) {
            for (int i = 1; i <= 5; i++) {
                assertThat(createFrom(app, "198.51.100.7, 203.0.113." + i).status(), is(201));
            }
            assertThat(createFrom(app, "203.0.113.1").status(), is(201));
            assertThat(createFrom(app, "203.0.113.1").status(), is(429));
        }
    }

    @Test
    void ipv6AddressesOfOneSlash64ShareTheLimitAndIpv4AddressesCountAlone() {
        try (TestApp app = TestApp.start(env("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "2",
                "TRUSTED_PROXIES", "127.0.0.0/8,::1"))) {
            assertThat(createFrom(app, "2001:db8:1:2::1").status(), is(201));
            assertThat(createFrom(app, "2001:db8:1:2:aaaa:bbbb:cccc:dddd").status(), is(201));
            Visitor.Answer third = createFrom(app, "2001:db8:1:2::3");
            assertThat(third.status(), is(429));
            assertThat(third.json().get("error").get("scope").asText(), is("create-ip-minute"));
            assertThat(createFrom(app, "2001:db8:1:3::1").status(), is(201));
            for (int i = 1; i <= 3; i++) {
                assertThat(createFrom(app, "203.0.113." + i).status(), is(201));
            }
        }
    }

    @Test
    void ipv6PrefixLengthIsASetting() {
        try (TestApp app = TestApp.start(env("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "2",
                "TRUSTED_PROXIES", "127.0.0.0/8,::1", "CHAT_PROXY_RATE_LIMIT__IPV6_PREFIX_LENGTH", "128"))) {
            for (int i = 1; i <= 3; i++) {
                assertThat(createFrom(app, "2001:db8:1:2::" + i).status(), is(201));
            }
        }
    }

    @Test
    void validatedSessionIsCachedAndRevocationEvictsIt() {
        try (TestApp app = TestApp.start(env())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.get("/api/v1/session/validate");
            String key = redis.prefix() + "session:" + visitor.sessionId();
            assertThat(redis.run(r -> r.hexists(key, "origin_domain")), is(true));

            visitor.delete("/api/v1/session");

            // a tombstone (the eviction count) stays for the cache TTL so that no earlier lookup can restore it
            assertThat(redis.run(r -> r.hexists(key, "origin_domain")), is(false));
            assertThat(redis.run(r -> r.hgetall(key)), is(Map.of("gen", "1")));
        }
    }

    @Test
    void aRevokedSessionOverItsLimitIsRefusedAsRevokedNotAsRateLimited() {
        try (TestApp app = TestApp.start(env("RATE_LIMIT_PER_MINUTE", "1"))) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            String cookie = visitor.cookie();
            assertThat(visitor.post("/api/v1/chat/message", "{\"message\":\"a\"}").status(), is(200));
            assertThat(visitor.post("/api/v1/chat/message", "{\"message\":\"b\"}").status(), is(429));
            visitor.delete("/api/v1/session");

            Visitor.Answer refused = visitor.cookie(cookie).post("/api/v1/chat/message", "{\"message\":\"c\"}");

            assertThat(refused.status(), is(401));
            assertThat(refused.errorCode(), is("session_revoked"));
            assertThat(refused.header("Retry-After").isPresent(), is(false));
            assertThat(n8n.requestCount(), is(1));
        }
    }

    @Test
    void messagesAreLimitedAfterRedisForgotTheScriptAndFlushedTheSessionCache() {
        try (TestApp app = TestApp.start(env("RATE_LIMIT_PER_MINUTE", "2"))) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            assertThat(visitor.post("/api/v1/chat/message", "{\"message\":\"a\"}").status(), is(200));
            redis.run(r -> r.scriptFlush());
            redis.run(r -> r.del(redis.prefix() + "session:" + visitor.sessionId()));

            Visitor.Answer second = visitor.post("/api/v1/chat/message", "{\"message\":\"b\"}");
            Visitor.Answer third = visitor.post("/api/v1/chat/message", "{\"message\":\"c\"}");

            assertThat(second.status(), is(200));
            assertThat(second.header("RateLimit").orElseThrow(), startsWith("\"session-minute\";r=0;t="));
            assertThat(third.status(), is(429));
        }
    }

    private static Visitor.Answer createFrom(TestApp app, String forwardedFor) {
        Visitor visitor = app.visitor();
        return visitor.send(visitor.request("/api/v1/session/create")
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"origin_domain\":\"shop.example.com\"}")));
    }
}
