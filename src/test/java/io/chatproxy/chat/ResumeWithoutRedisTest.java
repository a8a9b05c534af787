package io.chatproxy.chat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.FakeN8n.Reply;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static io.chatproxy.testing.Events.json;
import static io.chatproxy.testing.Events.names;

/**
 * A resume while the journal's Redis is unreachable is never a stream that just stops: it is a 503 before the
 * stream starts, an {@code error} event once it has, or the stored answer when the database has all of it.
 */
class ResumeWithoutRedisTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SIX = {"c1 ", "c2 ", "c3 ", "c4 ", "c5 ", "c6"};

    private FakeN8n n8n;
    private RedisServer redis;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        redis = RedisServer.privateProcess();
    }

    @AfterEach
    void stop() {
        n8n.close();
        redis.close();
    }

    private TestApp app() {
        return TestApp.start(TestEnv.create().n8n(n8n).redis(redis)
                .set("CHAT_PROXY_RATE_LIMIT__ON_REDIS_FAILURE", "local").map());
    }

    @Test
    void answerStillStreamingWithRedisDownIs503JournalUnavailableBeforeTheStream() {
        n8n.reply(Reply.stream(Duration.ofMillis(400), items(SIX)));
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            Dropped dropped = dropAfter(visitor, 1);
            redis.stop();

            HttpResponse<InputStream> res = visitor.resume(dropped.messageId(), dropped.lastEventId());

            assertThat(res.statusCode(), is(503));
            JsonNode body = readJson(res);
            assertThat(body.get("error").get("code").asText(), is("journal_unavailable"));
            assertThat(res.headers().firstValue("Retry-After").isPresent(), is(true));
        }
    }

    @Test
    void answerCompleteInTheDatabaseIsServedFromThereWithRedisDown() throws Exception {
        n8n.reply(Reply.stream(Duration.ofMillis(20), items(SIX)));
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            String messageId = JSON.readTree(visitor.chat("hello").get(0).data()).get("message_id").asText();
            app.awaitNoOpenStreams();
            redis.stop();

            List<SseEvent> resumed = events(visitor.resume(messageId, messageId + ":2"));

            assertThat(names(resumed), is("start,chunk,end"));
            assertThat(json(resumed.get(1)).get("content").asText(), is(String.join("", SIX)));
            assertThat(json(resumed.get(1)).get("replace").asBoolean(), is(true));
        }
    }

    @Test
    void redisLostAfterTheResumeStartedEndsWithAnErrorEvent() throws Exception {
        n8n.reply(Reply.stream(Duration.ofMillis(400), items(SIX)));
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            Dropped dropped = dropAfter(visitor, 1);
            HttpResponse<InputStream> res = visitor.resume(dropped.messageId(), dropped.lastEventId());
            assertThat(res.statusCode(), is(200));
            try (SseReader reader = new SseReader(res.body())) {
                assertThat(reader.next().orElseThrow().event(), is("start"));
                assertThat(reader.next().orElseThrow().event(), is("chunk"));
                redis.stop();

                List<SseEvent> rest = reader.all();

                SseEvent last = rest.get(rest.size() - 1);
                assertThat(last.event(), is("error"));
                assertThat(json(last).get("code").asText(), is("journal_unavailable"));
            }
        }
    }

    // ---- helpers

    private record Dropped(String messageId, String lastEventId) {
    }

    /** Reads the start event and n chunks, then closes the connection like a browser losing its network. */
    private static Dropped dropAfter(Visitor visitor, int chunks) {
        HttpResponse<InputStream> res = visitor.stream("six chunks please");
        SseReader reader = new SseReader(res.body());
        try {
            String messageId = JSON.readTree(reader.next().orElseThrow().data()).get("message_id").asText();
            String last = null;
            for (int i = 0; i < chunks; i++) {
                last = reader.next().orElseThrow().id();
            }
            res.body().close();
            return new Dropped(messageId, last);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<SseEvent> events(HttpResponse<InputStream> res) {
        assertThat(res.statusCode(), is(200));
        try (SseReader reader = new SseReader(res.body())) {
            return reader.all();
        }
    }

    private static JsonNode readJson(HttpResponse<InputStream> res) {
        try (InputStream in = res.body()) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String[] items(String... contents) {
        return java.util.Arrays.stream(contents)
                .map(c -> "{\"type\":\"item\",\"content\":\"" + c + "\",\"metadata\":{}}").toArray(String[]::new);
    }
}
