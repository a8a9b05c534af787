package io.chatproxy.chat;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.chatproxy.AppInternals;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.SigningKey;
import io.chatproxy.security.TokenKind;
import io.chatproxy.security.VerifiedToken;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.FakeN8n.Reply;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static io.chatproxy.testing.Events.json;
import static io.chatproxy.testing.Events.names;
import static io.chatproxy.testing.Events.read;
import static io.chatproxy.testing.Events.text;

/**
 * The API's behaviour, run once per store: {@code ChatStreamH2Test} and {@code ChatStreamPostgresTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ChatStreamContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private FakeN8n n8n;
    private TestApp app;

    /** Environment that selects the store. */
    abstract Map<String, String> storeEnv();

    /** Releases the store. */
    void closeStore() {
    }

    @BeforeAll
    void start() {
        n8n = FakeN8n.start();
        Map<String, String> env = new java.util.HashMap<>(storeEnv());
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        env.put("N8N_API_KEY", "n8n-api-key-for-tests");
        env.put("CHAT_PROXY_CHAT__HEARTBEAT_INTERVAL", "PT0.2S");
        app = TestApp.start(env);
    }

    @AfterAll
    void stop() {
        app.close();
        n8n.close();
        closeStore();
    }

    @BeforeEach
    void defaultReply() {
        n8n.reply(Reply.echoStream(3, Duration.ofMillis(20)));
    }

    @Test
    void relaysStreamedAnswerAsEvents() {
        Visitor visitor = sessionVisitor();

        List<SseEvent> events = visitor.chat("Hello n8n");

        assertThat(names(events), is("start,chunk,chunk,chunk,end"));
        String messageId = json(events.getFirst()).get("message_id").asText();
        assertThat(json(events.getFirst()).get("session_id").asText(), is(visitor.sessionId()));
        assertThat(events.get(1).id(), is(messageId + ":1"));
        assertThat(events.get(3).id(), is(messageId + ":3"));
        assertThat(text(events), is("Echo: Hello n8n"));
        assertThat(json(events.getLast()).get("finish_reason").asText(), is("stop"));
        assertThat(json(events.getLast()).get("message_id").asText(), is(messageId));
    }

    @Test
    void sendsStreamHeaders() {
        HttpResponse<InputStream> res = sessionVisitor().stream("headers please");
        try (SseReader reader = new SseReader(res.body())) {
            reader.all();
        }
        assertThat(res.statusCode(), is(200));
        assertThat(res.headers().firstValue("content-type").orElseThrow(), containsString("text/event-stream"));
        assertThat(res.headers().firstValue("cache-control").orElseThrow(), is("no-cache, no-transform"));
        assertThat(res.headers().firstValue("x-accel-buffering").orElseThrow(), is("no"));
        assertThat(res.headers().firstValue("x-content-type-options").orElseThrow(), is("nosniff"));
    }

    @Test
    void firstChunkArrivesBeforeUpstreamFinishes() {
        n8n.reply(Reply.echoStream(5, Duration.ofMillis(400)));
        Visitor visitor = sessionVisitor();

        HttpResponse<InputStream> res = visitor.stream("streaming not buffering");
        try (SseReader reader = new SseReader(res.body())) {
            SseEvent start = reader.next().orElseThrow();
            SseEvent first = reader.next().orElseThrow();
            List<SseEvent> rest = reader.all();
            SseEvent last = rest.getLast();

            assertThat(start.event(), is("start"));
            assertThat(first.event(), is("chunk"));
            assertThat(last.event(), is("end"));
            // the upstream spends 2 s on five chunks: the first must arrive a good while before the end
            long gapMillis = (last.arrivedNanos() - first.arrivedNanos()) / 1_000_000;
            assertThat(gapMillis, greaterThan(1200L));
        }
    }

    @Test
    void concatenatesSeveralNodeGroups() {
        n8n.reply(Reply.transcript("20-stream-simple-ok.txt", Duration.ofMillis(5)));

        List<SseEvent> events = sessionVisitor().chat("two nodes");

        assertThat(names(events), is("start,chunk,chunk,end"));
        assertThat(text(events), is("Echo: Hello n8n"));
    }

    @Test
    void ignoresKeepaliveLines() {
        n8n.reply(Reply.transcript("25-stream-agent-slow-keepalive.txt", Duration.ofMillis(5)));

        List<SseEvent> events = sessionVisitor().chat("SLOW please");

        assertThat(text(events), is("Echo: SLOW please"));
        assertThat(names(events), is("start,chunk,chunk,chunk,end"));
    }

    @Test
    void sendsHeartbeatsWhileUpstreamThinks() {
        n8n.reply(Reply.stream(Duration.ofMillis(700),
                "{\"type\":\"begin\",\"metadata\":{}}",
                "{\"type\":\"item\",\"content\":\"late\",\"metadata\":{}}",
                "{\"type\":\"end\",\"metadata\":{}}"));
        HttpResponse<InputStream> res = sessionVisitor().stream("think slowly");
        try (SseReader reader = new SseReader(res.body())) {
            List<SseEvent> events = reader.all();
            assertThat(text(events), is("late"));
            assertThat(reader.comments(), greaterThan(3));
        }
    }

    @Test
    void reportsErrorLineWithoutEnd() {
        n8n.reply(Reply.transcript("22-stream-agent-llm-http-500.txt", Duration.ofMillis(5)));
        Visitor visitor = sessionVisitor();

        List<SseEvent> events = visitor.chat("FAIL_HTTP please");

        assertThat(names(events), is("start,error"));
        assertThat(json(events.getLast()).get("code").asText(), is("upstream_error"));
        assertThat(events.getLast().data(), not(containsString("fake upstream failure")));
        JsonNode answer = visitor.history().json().get("messages").get(1);
        assertThat(answer.get("status").asText(), is("error"));
    }

    @Test
    void storesPartialAnswerWhenErrorFollowsText() {
        n8n.reply(Reply.transcript("26-stream-node-error-after-partial.txt", Duration.ofMillis(5)));
        Visitor visitor = sessionVisitor();

        List<SseEvent> events = visitor.chat("x");

        assertThat(names(events), is("start,chunk,error"));
        JsonNode answer = visitor.history().json().get("messages").get(1);
        assertThat(answer.get("status").asText(), is("partial"));
        assertThat(answer.get("content").asText(), is("partial answer "));
    }

    @Test
    void emptyBodyIsNotASuccess() {
        n8n.reply(Reply.transcript("52-streaming-webhook-without-streaming-node.txt", Duration.ofMillis(5)));

        List<SseEvent> events = sessionVisitor().chat("x");

        assertThat(names(events), is("start,error"));
        assertThat(json(events.getLast()).get("code").asText(), is("empty_answer"));
    }

    @Test
    void relaysNonStreamingAnswer() {
        n8n.reply(Reply.transcript("01-echo-ok.txt", Duration.ZERO));
        Visitor visitor = sessionVisitor();

        List<SseEvent> events = visitor.chat("Hello n8n");

        assertThat(names(events), is("start,chunk,end"));
        assertThat(text(events), is("Echo: Hello n8n"));
        assertThat(visitor.history().json().get("messages").get(1).get("status").asText(), is("complete"));
    }

    @Test
    void relaysNonStreamingArrayAndTextShapes() {
        n8n.reply(Reply.json(200, "[{\"output\":\"from an array\"}]"));
        assertThat(text(sessionVisitor().chat("a")), is("from an array"));

        n8n.reply(Reply.json(200, "{\n  \"text\": \"pretty printed\"\n}"));
        assertThat(text(sessionVisitor().chat("b")), is("pretty printed"));
    }

    @Test
    void reassemblesLinesSplitAcrossPackets() {
        String line1 = "{\"type\":\"item\",\"content\":\"Grüße \",\"metadata\":{}}\n";
        String line2 = "{\"type\":\"item\",\"content\":\"😀 done\",\"metadata\":{}}\n";
        byte[] all = (line1 + "\n" + line2).getBytes(StandardCharsets.UTF_8);
        int umlaut = line1.getBytes(StandardCharsets.UTF_8).length - 30;
        int emoji = indexOf(all, "😀".getBytes(StandardCharsets.UTF_8)) + 2;
        n8n.reply(Reply.rawChunks(200, Map.of("Content-Type", "application/json; charset=utf-8"),
                Duration.ofMillis(30),
                List.of(slice(all, 0, 10), slice(all, 10, umlaut), slice(all, umlaut, emoji),
                        slice(all, emoji, all.length))));

        List<SseEvent> events = sessionVisitor().chat("split");

        assertThat(text(events), is("Grüße 😀 done"));
        assertThat(names(events), is("start,chunk,chunk,end"));
    }

    @Test
    void chunkTextNeedingJsonEscapesArrivesIntact() throws Exception {
        String tricky = "line 1\nline 2\r\n\t\"quoted\" back\\slash \u0001 \u2028 </script> é 😀";
        String line = "{\"type\":\"item\",\"content\":" + new ObjectMapper().writeValueAsString(tricky)
                + ",\"metadata\":{}}\n";
        n8n.reply(Reply.rawChunks(200, Map.of("Content-Type", "application/json; charset=utf-8"), Duration.ZERO,
                List.of(line.getBytes(StandardCharsets.UTF_8))));

        List<SseEvent> events = sessionVisitor().chat("escapes");

        assertThat(names(events), is("start,chunk,end"));
        assertThat(text(events), is(tricky));
        assertThat("one data line per event", events.get(1).data().contains("\n"), is(false));
    }

    @Test
    void handlesSeveralLinesInOnePacket() {
        String body = "{\"type\":\"begin\",\"metadata\":{}}\n{\"type\":\"item\",\"content\":\"a\",\"metadata\":{}}\n"
                + "{\"type\":\"item\",\"content\":\"b\",\"metadata\":{}}\n{\"type\":\"end\",\"metadata\":{}}\n";
        n8n.reply(Reply.rawChunks(200, Map.of("Content-Type", "application/json; charset=utf-8"), Duration.ZERO,
                List.of(body.getBytes(StandardCharsets.UTF_8))));

        assertThat(text(sessionVisitor().chat("many")), is("ab"));
    }

    @Test
    void inactiveWorkflowIs502WithoutPassingN8nBody() {
        n8n.reply(Reply.transcript("10-unknown-webhook.txt", Duration.ZERO));
        Visitor visitor = sessionVisitor();

        HttpResponse<InputStream> res = visitor.stream("anyone there?");
        String body = read(res);

        assertThat(res.statusCode(), is(502));
        assertThat(body, containsString("\"upstream_error\""));
        assertThat(body, containsString("not active"));
        assertThat(body, not(containsString("is not registered")));
        assertThat(visitor.history().json().get("messages").get(1).get("status").asText(), is("error"));
    }

    @Test
    void refusedCredentialsAre502AndTheVisitorIsNotToldWhichSettingsToCheck() {
        n8n.reply(Reply.json(401, "{\"message\":\"Authorization data is wrong!\"}"));

        HttpResponse<InputStream> res = sessionVisitor().stream("hello");
        String body = read(res);

        assertThat(res.statusCode(), is(502));
        assertThat(body, containsString("\"upstream_error\""));
        assertThat(body, not(containsString("_KEY")));
        assertThat(body, not(containsString("N8N_")));
        assertThat(body, not(containsString("Authorization data")));
    }

    @Test
    void workflowErrorStatusIs502() {
        n8n.reply(Reply.transcript("02-echo-workflow-error.txt", Duration.ZERO));

        HttpResponse<InputStream> res = sessionVisitor().stream("FAIL");
        String body = read(res);

        assertThat(res.statusCode(), is(502));
        assertThat(body, not(containsString("Error in workflow")));
    }

    @Test
    void unreachableUpstreamIs503() throws Exception {
        int closedPort;
        try (var socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (TestApp offline = TestApp.start(Map.of("N8N_WEBHOOK_URL", "http://127.0.0.1:" + closedPort + "/x"))) {
            Visitor visitor = offline.visitor();
            visitor.createSession();

            HttpResponse<InputStream> res = visitor.stream("hello?");

            assertThat(res.statusCode(), is(503));
            assertThat(read(res), containsString("upstream_unavailable"));
            assertThat(res.headers().firstValue("retry-after").isPresent(), is(true));
        }
    }

    @Test
    void forwardsChatTriggerBodyWithSignedToken() throws Exception {
        Visitor visitor = sessionVisitor();
        int before = n8n.requestCount();

        visitor.chat("What is the price?");

        FakeN8n.RecordedRequest request = n8n.requests().get(before);
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.get("action").asText(), is("sendMessage"));
        assertThat(body.get("sessionId").asText(), is(visitor.sessionId()));
        assertThat(body.get("chatInput").asText(), is("What is the price?"));
        assertThat(body.get("metadata").get("origin_domain").asText(), is("shop.example.com"));
        assertThat(body.get("metadata").get("message_id").asText().isEmpty(), is(false));
        assertThat(request.header("x-n8n-api-key"), is("n8n-api-key-for-tests"));
        String authorization = request.header("authorization");
        assertThat(authorization, org.hamcrest.Matchers.startsWith("Bearer "));
        JwtCodec n8nTokens = new JwtCodec(TokenKind.N8N, "HS256", "chat-proxy", SigningKey.of(TestApp.N8N_SECRET),
                List.of(), java.time.Clock.systemUTC());
        VerifiedToken token = n8nTokens.verify(authorization.substring("Bearer ".length()));
        assertThat(token.subject(), is(visitor.sessionId()));
        assertThat(token.claim("origin").orElseThrow(), is(TestApp.ORIGIN));
        assertThat(token.claim("jti").isPresent(), is(true));
        long life = token.expiresAt().getEpochSecond() - token.issuedAt().getEpochSecond();
        assertThat(life, is(30L));
    }

    @Test
    void historyListsBothSidesInOrder() {
        Visitor visitor = sessionVisitor();
        visitor.chat("first");
        visitor.chat("second");

        JsonNode history = visitor.history().json();

        assertThat(history.get("session_id").asText(), is(visitor.sessionId()));
        List<String> lines = messages(history);
        assertThat(lines, is(List.of("user:first:complete", "assistant:Echo: first:complete",
                "user:second:complete", "assistant:Echo: second:complete")));
    }

    @Test
    void historyOfAnotherSessionIsNotFound() {
        Visitor alice = sessionVisitor();
        alice.chat("private");
        Visitor mallory = sessionVisitor();

        Visitor.Answer answer = mallory.get("/api/v1/chat/history/" + alice.sessionId());

        assertThat(answer.status(), is(404));
        assertThat(answer.body(), not(containsString("private")));
    }

    @Test
    void rejectsMalformedMessageBody() {
        Visitor visitor = sessionVisitor();
        int before = n8n.requestCount();

        Visitor.Answer answer = visitor.post("/api/v1/chat/stream", "{\"message\": ");

        assertThat(answer.status(), is(400));
        assertThat(answer.errorCode(), is("invalid_json"));
        assertThat(n8n.requestCount(), is(before));
    }

    @Test
    void rejectsEmptyMessage() {
        Visitor visitor = sessionVisitor();

        Visitor.Answer answer = visitor.post("/api/v1/chat/stream", "{\"message\": \" \\u0007 \"}");

        assertThat(answer.status(), is(400));
        assertThat(answer.errorCode(), is("empty_message"));
        assertThat(messages(visitor.history().json()).size(), is(0));
    }

    @Test
    void chatNeedsSession() {
        Visitor.Answer answer = app.visitor().post("/api/v1/chat/stream", "{\"message\":\"hi\"}");

        assertThat(answer.status(), is(401));
    }

    @Test
    void chatFromAnotherOriginIsRefused() {
        Visitor visitor = sessionVisitor();
        visitor.origin("http://localhost:3000");

        Visitor.Answer answer = visitor.post("/api/v1/chat/stream", "{\"message\":\"hi\"}");

        assertThat(answer.status(), is(403));
        assertThat(answer.errorCode(), is("origin_mismatch"));
    }

    @Test
    void messageEndpointStreamsToo() {
        Visitor visitor = sessionVisitor();

        Visitor.Answer answer = visitor.post("/api/v1/chat/message", "{\"message\":\"via message\"}");

        assertThat(answer.status(), is(200));
        assertThat(answer.body(), containsString("event: end"));
    }

    @Test
    void metricsCountStreamsAndReturnToZero() {
        Visitor visitor = sessionVisitor();
        long before = visitor.get("/metrics").json().get("connections").get("total_streams").asLong();

        visitor.chat("count me");
        assertThat(app.awaitNoOpenStreams(), is(0));

        JsonNode metrics = visitor.get("/metrics").json();
        assertThat(metrics.get("connections").get("total_streams").asLong(), is(before + 1));
        assertThat(metrics.get("connections").get("active_streams").asInt(), is(0));
        assertThat(AppInternals.activeStreams(app.app()).count(), is(0));
        assertThat(metrics.get("upstream").get("ttfb_ms").get("p50").asDouble(), greaterThan(0.0));
        assertThat(metrics.get("upstream").get("ttfb_ms").get("p50").asDouble(), lessThan(5000.0));
    }

    private Visitor sessionVisitor() {
        Visitor visitor = app.visitor();
        assertThat(visitor.createSession().status(), is(201));
        return visitor;
    }

    private static List<String> messages(JsonNode history) {
        List<String> lines = new java.util.ArrayList<>();
        history.get("messages").forEach(m -> lines.add(m.get("role").asText() + ":" + m.get("content").asText()
                + ":" + m.get("status").asText()));
        return lines;
    }

    private static byte[] slice(byte[] all, int from, int to) {
        return java.util.Arrays.copyOfRange(all, from, to);
    }

    private static int indexOf(byte[] all, byte[] part) {
        outer : for (int i = 0; i <= all.length - part.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (all[i + j] != part[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
