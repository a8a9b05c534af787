package io.chatproxy.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.Events;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.TestServices;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * Everything chat-proxy sends to Redis works on Redis 6.2, the oldest version it supports (CI's is 7.x): the app
 * runs its rate limiting, session cache, answer journal, resume and health check against redis-server 6.2.6, and
 * Redis itself counts every error reply it sent (INFO stats, since 6.2), so a 7-only command or argument fails this
 * test even where chat-proxy swallows the error (a rate limiter that fails open, a cache that falls back).
 */
class Redis62CompatibilityTest {
    private RedisServer redis;
    private PostgresDatabase database;
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        redis = RedisServer.process(TestServices.embeddedRedisServer());
        database = PostgresDatabase.create();
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ZERO));
    }

    @AfterEach
    void stop() {
        n8n.close();
        database.close();
        redis.close();
    }

    @Test
    void everyRedisOperationOfTheAppSucceedsOnRedis62() throws Exception {
        assertThat(info("server").get("redis_version"), startsWith("6.2."));
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).postgres(database).redis(redis)
                .set("HEALTH_DETAILS", "true").map())) {
            Visitor visitor = app.visitor();
            assertThat(visitor.createSession().status(), is(201));
            List<SseEvent> answer = visitor.chat("hello");
            assertThat(answer.getLast().event(), is("end"));
            String messageId = Events.json(answer.getFirst()).get("message_id").asText();
            try (SseReader resumed = new SseReader(visitor.resume(messageId, messageId + ":1").body())) {
                assertThat(resumed.all().getLast().event(), is("end"));
            }
            assertThat(visitor.history().status(), is(200));
            assertThat(visitor.get("/health").json().get("services").get("redis").get("status").asText(), is("up"));
            assertThat(visitor.delete("/api/v1/session").status() < 300, is(true));
        }

        // the only error replies allowed: NOSCRIPT (EVALSHA before the script is loaded: the store loads it and
        // retries) and those to CLIENT subcommands of Lettuce's connection handshake (SETINFO, new in 7.2,
        // MAINT_NOTIFICATIONS), which it lets fail on older servers; one INFO, so that the counts agree
        Map<String, String> info = info("all");
        long allowed = count(info.get("errorstat_NOSCRIPT"), "count")
                + count(info.get("cmdstat_client"), "failed_calls")
                + count(info.get("cmdstat_client"), "rejected_calls");
        assertThat("INFO: " + info, Long.parseLong(info.get("total_error_replies")), is(allowed));
        for (String command : List.of("evalsha", "hset", "hgetall", "xadd", "xrange", "pexpire", "set", "del",
                "exists", "ping")) {
            assertThat(info, hasKey("cmdstat_" + command));
        }
    }

    /** A field of an INFO value like {@code calls=3,usec=10,failed_calls=0}; 0 when absent. */
    private static long count(String value, String field) {
        if (value == null) {
            return 0;
        }
        for (String pair : value.split(",")) {
            if (pair.startsWith(field + "=")) {
                return Long.parseLong(pair.substring(field.length() + 1));
            }
        }
        return 0;
    }

    private Map<String, String> info(String section) {
        Map<String, String> fields = new TreeMap<>();
        for (String line : redis.run(r -> r.info(section)).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return fields;
    }
}
