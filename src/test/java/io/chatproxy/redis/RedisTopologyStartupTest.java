package io.chatproxy.redis;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.RedisTopology;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static io.chatproxy.testing.Events.json;
import static io.chatproxy.testing.Events.names;
import static io.chatproxy.testing.Events.text;

/**
 * The first requests after start-up are judged by Redis like every other, with a Redis Cluster and with Sentinel:
 * nothing is refused because a connection to a node was still opening, and the first answer is journaled.
 */
class RedisTopologyStartupTest {
    private FakeN8n n8n;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ZERO));
    }

    @AfterEach
    void stop() {
        n8n.close();
    }

    @Test
    void firstRequestsAfterStartUpSucceedOnACluster() throws Exception {
        try (RedisTopology redis = RedisTopology.cluster()) {
            firstRequestsSucceed(redis);
        }
    }

    @Test
    void firstRequestsAfterStartUpSucceedWithSentinel() throws Exception {
        try (RedisTopology redis = RedisTopology.sentinel()) {
            firstRequestsSucceed(redis);
        }
    }

    private void firstRequestsSucceed(RedisTopology redis) throws Exception {
        // deny: anything decided without Redis would be a 503, not a silent local decision
        Map<String, String> env = TestEnv.create().n8n(n8n).set("CHAT_PROXY_RATE_LIMIT__ON_REDIS_FAILURE", "deny")
                .set(redis.env().entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                        .toArray(String[]::new))
                .map();
        try (TestApp app = TestApp.start(env)) {
            Visitor visitor = app.visitor();

            assertThat(visitor.createSession().status(), is(201));
            List<SseEvent> answer = visitor.chat("hello");
            assertThat(names(answer).endsWith("end"), is(true));
            app.awaitNoOpenStreams();

            String messageId = json(answer.get(0)).get("message_id").asText();
            try (SseReader reader = new SseReader(visitor.resume(messageId, null).body())) {
                List<SseEvent> resumed = reader.all();
                // from the journal: chunk by chunk with their ids, not the database's one replacing snapshot
                assertThat(resumed.stream().anyMatch(e -> json(e).has("replace")), is(false));
                assertThat(text(resumed), is(text(answer)));
            }
        }
    }
}
