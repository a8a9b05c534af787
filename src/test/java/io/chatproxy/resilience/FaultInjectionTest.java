package io.chatproxy.resilience;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.FakeN8n.Reply;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static io.chatproxy.testing.Events.json;
import static io.chatproxy.testing.Events.names;
import static io.chatproxy.testing.Events.read;
import static io.chatproxy.testing.Events.text;

/**
 * n8n misbehaving in every way we know of, browsers leaving, and the server shutting down, with short timeouts.
 */
class FaultInjectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> JSON_HEADERS = Map.of("Content-Type", "application/json; charset=utf-8");

    private FakeN8n n8n;
    private TestApp app;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            assertThat("no stream left open", app.awaitNoOpenStreams(), is(0));
            assertThat("no database connection left in use", AppInternals.database(app.app()).poolState().active(),
                    is(0));
            app.close();
        }
        n8n.close();
    }

    private Visitor serve(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        env.put("CHAT_PROXY_N8N__FIRST_BYTE_TIMEOUT", "PT1S");
        env.put("CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT1S");
        env.put("CHAT_PROXY_N8N__MAX_ANSWER_CHARS", "500");
        env.put("CHAT_PROXY_CHAT__HEARTBEAT_INTERVAL", "PT0.2S");
        env.put("CHAT_PROXY_RESILIENCE__DRAIN_TIMEOUT", "PT1S");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        app = TestApp.start(env);
        Visitor visitor = app.visitor();
        visitor.createSession();
        return visitor;
    }

    @Test
    void hangBeforeFirstByteIs504() {
        n8n.reply(Reply.hang());
        Visitor visitor = serve();

        HttpResponse<InputStream> res = visitor.stream("hello?");

        assertThat(res.statusCode(), is(504));
        assertThat(read(res), containsString("upstream_timeout"));
        assertThat(lastAnswer(visitor).get("status").asText(), is("error"));
    }

    @Test
    void hangMidStreamEndsWithTimeoutAndStoresPartial() {
        Visitor visitor = serve();
        n8n.reply(Reply.hangAfter(Reply.stream(Duration.ofMillis(50), item("Hello "), item("wor"), item("ld")), 2));

        List<SseEvent> events = visitor.chat("hang please");

        assertThat(names(events), is("start,chunk,chunk,error"));
        assertThat(json(events.getLast()).get("code").asText(), is("upstream_timeout"));
        JsonNode answer = lastAnswer(visitor);
        assertThat(answer.get("status").asText(), is("partial"));
        assertThat(answer.get("content").asText(), is("Hello wor"));
        assertThat(n8n.awaitClientGone(Duration.ofSeconds(2)), is(true));
    }

    @Test
    void slowButSteadyAnswerCompletes() {
        n8n.reply(Reply.stream(Duration.ofMillis(600), item("slow "), item("but "), item("steady")));
        Visitor visitor = serve();

        assertThat(text(visitor.chat("take your time")), is("slow but steady"));
        assertThat(lastAnswer(visitor).get("status").asText(), is("complete"));
    }

    @Test
    void errorStatusesBecome502WithN8nStatus() {
        Visitor visitor = serve();
        for (int status : new int[]{500, 429, 401}) {
            n8n.reply(Reply.json(status, "{\"message\":\"internal detail\"}"));
            Visitor.Answer answer = visitor.post("/api/v1/chat/stream", "{\"message\":\"x\"}");
            assertThat(answer.status(), is(502));
            assertThat(answer.json().get("error").get("upstream_status").asInt(), is(status));
            assertThat(answer.body().contains("internal detail"), is(false));
        }
        n8n.reply(Reply.transcript("05-jwt-expired.txt", Duration.ZERO));
        String refused = visitor.post("/api/v1/chat/stream", "{\"message\":\"x\"}").json().get("error")
                .get("message").asText();
        assertThat(refused, containsString("misconfigured"));
        assertThat(refused, not(containsString("SESSION_SECRET_KEY")));
        assertThat(refused, not(containsString("N8N_")));
    }

    @Test
    void garbageIsAMalformedAnswer() {
        n8n.reply(Reply.rawChunks(200, JSON_HEADERS, Duration.ZERO, List.of("<html>oops</html>\n".getBytes())));
        Visitor visitor = serve();

        List<SseEvent> events = visitor.chat("x");

        assertThat(json(events.getLast()).get("code").asText(), is("upstream_malformed"));
        assertThat(lastAnswer(visitor).get("status").asText(), is("error"));
    }

    @Test
    void malformedLineMidStreamStoresPartial() {
        n8n.reply(Reply.stream(Duration.ZERO, item("good "), "{\"type\":\"item\",\"content\":"));
        Visitor visitor = serve();

        List<SseEvent> events = visitor.chat("x");

        assertThat(names(events), is("start,chunk,error"));
        assertThat(lastAnswer(visitor).get("status").asText(), is("partial"));
    }

    @Test
    void enormousLineIsRefused() {
        n8n.reply(Reply.stream(Duration.ZERO, "{\"type\":\"item\",\"content\":\"" + "x".repeat(2_000_000) + "\"}"));
        Visitor visitor = serve();

        List<SseEvent> events = visitor.chat("x");

        assertThat(json(events.getLast()).get("code").asText(), is("upstream_malformed"));
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] bad = "{\"type\":\"item\",\"content\":\"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        n8n.reply(Reply.rawChunks(200, JSON_HEADERS, Duration.ZERO, List.of(bad)));
        Visitor visitor = serve();

        assertThat(json(visitor.chat("x").getLast()).get("code").asText(), is("upstream_malformed"));
    }

    @Test
    void connectionClosedMidLineLosesTheUpstream() {
        byte[] first = (item("before ") + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] half = "{\"type\":\"item\",\"cont".getBytes(StandardCharsets.UTF_8);
        n8n.reply(Reply.closeAfter(Reply.rawChunks(200, JSON_HEADERS, Duration.ofMillis(20), List.of(first, half,
                "ent\":\"never\"}\n".getBytes())), 2));
        Visitor visitor = serve();

        List<SseEvent> events = visitor.chat("x");

        assertThat(names(events), is("start,chunk,error"));
        assertThat(json(events.getLast()).get("code").asText(), containsString("upstream_"));
        JsonNode answer = lastAnswer(visitor);
        assertThat(answer.get("status").asText(), is("partial"));
        assertThat(answer.get("content").asText(), is("before "));
    }

    @Test
    void endlessStreamIsCutAtTheAnswerLimit() {
        n8n.reply(Reply.streamForever(Duration.ofMillis(2)));
        Visitor visitor = serve();

        List<SseEvent> events = visitor.chat("go on forever");

        assertThat(json(events.getLast()).get("code").asText(), is("answer_too_long"));
        assertThat(lastAnswer(visitor).get("content").asText().length(), is(500));
        assertThat(n8n.awaitClientGone(Duration.ofSeconds(2)), is(true));
    }

    @Test
    void browserDisconnectClosesUpstreamAndStoresPartial() throws Exception {
        n8n.reply(Reply.stream(Duration.ofMillis(150), item("one "), item("two "), item("three "), item("four "),
                item("five "), item("six "), item("seven "), item("eight ")));
        Visitor visitor = serve("CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT30S");

        HttpResponse<InputStream> res = visitor.stream("I'll leave early");
        SseReader reader = new SseReader(res.body());
        reader.next();
        reader.next();
        reader.next();
        res.body().close();
        long closedAt = System.nanoTime();

        assertThat(n8n.awaitClientGone(Duration.ofSeconds(2)), is(true));
        assertThat((System.nanoTime() - closedAt) / 1_000_000, lessThan(2000L));
        awaitNoStreams();
        JsonNode answer = lastAnswer(visitor);
        assertThat(answer.get("status").asText(), is("partial"));
        assertThat(answer.get("content").asText().startsWith("one two "), is(true));
        JsonNode metrics = visitor.get("/metrics").json();
        assertThat(metrics.get("connections").get("active_streams").asInt(), is(0));
        assertThat(metrics.get("connections").get("disconnects").asInt(), is(1));
    }

    @Test
    void breakerOpensRejectsFastThenClosesWhenN8nRecovers() throws Exception {
        Visitor visitor = serve("CHAT_PROXY_RESILIENCE__CIRCUIT_BREAKER__VOLUME", "4",
                "CHAT_PROXY_RESILIENCE__CIRCUIT_BREAKER__ERROR_RATIO", "50",
                "CHAT_PROXY_RESILIENCE__CIRCUIT_BREAKER__DELAY", "PT1S",
                "CHAT_PROXY_RESILIENCE__CIRCUIT_BREAKER__SUCCESS_THRESHOLD", "1");
        n8n.reply(Reply.json(500, "{\"message\":\"Error in workflow\"}"));
        for (int i = 0; i < 4; i++) {
            assertThat(visitor.post("/api/v1/chat/stream", "{\"message\":\"x\"}").status(), is(502));
        }
        int calls = n8n.requestCount();

        Visitor.Answer rejected = visitor.post("/api/v1/chat/stream", "{\"message\":\"x\"}");

        assertThat(rejected.status(), is(503));
        assertThat(rejected.errorCode(), is("upstream_unavailable"));
        assertThat(rejected.header("Retry-After").orElseThrow(), is("1"));
        assertThat(n8n.requestCount(), is(calls));
        assertThat(visitor.get("/metrics").json().get("upstream").get("circuit_breaker").asText(), is("open"));

        n8n.reply(Reply.echoStream(2, Duration.ZERO));
        Thread.sleep(1200);
        assertThat(text(visitor.chat("recovered?")), is("Echo: recovered?"));
        assertThat(visitor.get("/metrics").json().get("upstream").get("circuit_breaker").asText(), is("closed"));
    }

    @Test
    void fullChatBulkheadLeavesSessionsAndHealthAnswering() throws Exception {
        n8n.reply(Reply.streamForever(Duration.ofMillis(200)));
        Visitor visitor = serve("CHAT_PROXY_RESILIENCE__ADMISSION__CHAT__PERMITS", "2",
                "CHAT_PROXY_RESILIENCE__ADMISSION__CHAT__MAX_WAIT", "PT0.1S",
                "CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT30S",
                "CHAT_PROXY_N8N__MAX_ANSWER_CHARS", "100000");
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        open.add(visitor.stream("one"));
        open.add(visitor.stream("two"));

        Visitor.Answer third = visitor.post("/api/v1/chat/stream", "{\"message\":\"three\"}");

        assertThat(third.status(), is(503));
        assertThat(third.errorCode(), is("server_busy"));
        assertThat(app.visitor().createSession().status(), is(201));
        assertThat(visitor.get("/health").status(), is(200));
        assertThat(visitor.history().status(), is(200));
        for (HttpResponse<InputStream> res : open) {
            res.body().close();
        }
        awaitNoStreams();
        assertThat(visitor.get("/metrics").json().get("upstream").get("bulkhead_rejections").get("chat").asInt(),
                is(1));
    }

    @Test
    void shutdownDrainsThenEndsOpenStreamsAndStoresPartials() throws Exception {
        n8n.reply(Reply.streamForever(Duration.ofMillis(100)));
        Visitor visitor = serve("CHAT_PROXY_N8N__IDLE_TIMEOUT", "PT30S", "CHAT_PROXY_N8N__MAX_ANSWER_CHARS", "100000");
        HttpResponse<InputStream> res = visitor.stream("long answer");
        SseReader reader = new SseReader(res.body());
        reader.next();
        reader.next();
        Visitor other = visitor.at(app.uri());

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(app::shutdown);
        Thread.sleep(300);
        Visitor.Answer ready = other.get("/observe/health/ready");
        Visitor.Answer refused = other.post("/api/v1/chat/stream", "{\"message\":\"new\"}");
        List<SseEvent> rest = reader.all();
        shutdown.get();

        assertThat(ready.status(), is(503));
        assertThat(refused.status(), is(503));
        assertThat(refused.errorCode(), is("server_draining"));
        assertThat(rest.getLast().event(), is("error"));
        assertThat(json(rest.getLast()).get("code").asText(), is("server_shutdown"));
        assertThat(AppInternals.activeStreams(app.app()).count(), is(0));
        app = null;
    }

    @Test
    void shutdownLetsStreamsFinishWithinTheDrainTimeout() throws Exception {
        n8n.reply(Reply.stream(Duration.ofMillis(150), item("almost "), item("done")));
        Visitor visitor = serve("CHAT_PROXY_RESILIENCE__DRAIN_TIMEOUT", "PT5S");
        HttpResponse<InputStream> res = visitor.stream("finish please");
        SseReader reader = new SseReader(res.body());
        reader.next();

        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(app::shutdown);
        List<SseEvent> rest = reader.all();
        shutdown.get();

        assertThat(rest.getLast().event(), is("end"));
        app = null;
    }

    private void awaitNoStreams() {
        assertThat(app.awaitNoOpenStreams(), is(0));
    }

    private static String item(String content) {
        return "{\"type\":\"item\",\"content\":\"" + content + "\",\"metadata\":{}}";
    }

    private static JsonNode lastAnswer(Visitor visitor) {
        JsonNode messages = visitor.history().json().get("messages");
        return messages.get(messages.size() - 1);
    }

}
