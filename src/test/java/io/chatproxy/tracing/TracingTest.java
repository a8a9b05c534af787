package io.chatproxy.tracing;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.util.Optional;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.observe.JsonLogFormatter;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.RedisServer;
import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.SseReader;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

class TracingTest {
    private static final String STREAM_PATH = "/api/v1/chat/stream";
    private final List<String> lines = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (lines) {
                lines.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private FakeN8n n8n;
    private OtlpReceiver collector;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        collector = OtlpReceiver.start();
    }

    @AfterEach
    void stop() {
        collector.close();
        n8n.close();
    }

    private TestApp app(String endpoint) {
        return TestApp.start(TestEnv.create().n8n(n8n)
                .set("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_BSP_SCHEDULE_DELAY", "20",
                        "OTEL_SERVICE_NAME", "chat-proxy-test")
                .map());
    }

    /** Chat-proxy with Redis, sending its spans to the test's collector. */
    private TestApp withRedis(RedisServer redis) {
        return TestApp.start(traced(TestEnv.create().n8n(n8n).redis(redis)).map());
    }

    private TestEnv traced(TestEnv env) {
        return env.set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint().toString(), "OTEL_BSP_SCHEDULE_DELAY", "20");
    }

    private static String messageId(List<SseEvent> events) throws java.io.IOException {
        return new ObjectMapper().readTree(events.getFirst().data()).get("message_id").asText();
    }

    @Test
    void aStreamedChatIsOneTraceWithItsStepsAndTheN8nCallAsTheParentOfN8nsTraceparent() throws Exception {
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ofMillis(5)));
        try (TestApp app = app(collector.endpoint().toString())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            List<SseEvent> events = visitor.chat("hello");
            assertThat(events.isEmpty(), is(false));

            List<Span> spans = collector.awaitSpan(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "url.path").equals(Optional.of(STREAM_PATH)));
            Span server = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "url.path").equals(Optional.of(STREAM_PATH))).findFirst().orElseThrow();
            assertThat(attr(server, "http.request.method"), is(Optional.of("POST")));
            assertThat(attr(server, "http.response.status_code"), is(Optional.of("200")));
            assertThat(attr(server, "http.route").isPresent(), is(true));
            List<Span> trace = spans.stream().filter(s -> s.getTraceId().equals(server.getTraceId())).toList();
            List<String> children = trace.stream().filter(s -> s.getParentSpanId().equals(server.getSpanId()))
                    .map(Span::getName).toList();
            assertThat(children, containsInAnyOrder("session.authenticate", "rate_limit.decide",
                    "INSERT messages", "POST n8n", "UPDATE messages"));

            Span rateLimit = named(trace, "rate_limit.decide");
            assertThat(attr(rateLimit, "chat.rate_limit.outcome"), is(Optional.of("allowed")));
            assertThat(attr(rateLimit, "chat.rate_limit.scopes").orElseThrow(), startsWith("session-minute,"));
            Span insert = named(trace, "INSERT messages");
            assertThat(attr(insert, "db.system"), is(Optional.of("h2")));
            assertThat(attr(insert, "db.operation"), is(Optional.of("INSERT")));

            Span client = named(trace, "POST n8n");
            assertThat(client.getKind(), is(Span.SpanKind.SPAN_KIND_CLIENT));
            assertThat(client.getEventsList().stream().map(Span.Event::getName).toList(),
                    contains("first_chunk", "end"));
            assertThat(attr(client.getEventsList().get(1).getAttributesList(), "chat.chunks"), is(Optional.of("3")));
            String traceparent = n8n.requests().get(0).header("traceparent");
            // the flags may carry W3C level 2's "random trace id" bit beside "sampled"
            assertThat(traceparent, startsWith("00-" + OtlpReceiver.hex(server.getTraceId()) + "-"
                    + OtlpReceiver.hex(client.getSpanId()) + "-0"));
            assertThat(collector.serviceNames(), hasItem("chat-proxy-test"));
        }
    }

    @Test
    void aCallersTraceparentIsContinued() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String parentId = "00f067aa0ba902b7";
        Logger accessLog = Logger.getLogger("io.helidon.webserver.AccessLog");
        accessLog.setLevel(Level.INFO);
        accessLog.addHandler(capture);
        try (TestApp app = app(collector.endpoint().toString())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            Visitor.Answer answer = visitor.send(visitor.request("/api/v1/chat/history/" + visitor.sessionId())
                    .header("traceparent", "00-" + traceId + "-" + parentId + "-01"));
            assertThat(answer.status(), is(200));
            List<Span> spans = collector.awaitSpan(s -> OtlpReceiver.hex(s.getTraceId()).equals(traceId)
                    && s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
            Span server = spans.stream().filter(s -> OtlpReceiver.hex(s.getTraceId()).equals(traceId)
                    && s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).findFirst().orElseThrow();
            assertThat(OtlpReceiver.hex(server.getParentSpanId()), is(parentId));
        } finally {
            accessLog.removeHandler(capture);
        }
        synchronized (lines) {
            assertThat(lines.stream().anyMatch(l -> l.contains("/api/v1/chat/history/") && l.contains("rid=")
                    && l.endsWith(" trace=" + traceId)), is(true));
        }
    }

    @Test
    void jsonLogLinesInsideASpanCarryItsTraceAndSpanIds() throws Exception {
        SpanContext context = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                TraceFlags.getSampled(), TraceState.getDefault());
        LogRecord record = new LogRecord(Level.INFO, "hello");
        record.setLoggerName("test");
        String line;
        try (Scope scope = io.opentelemetry.api.trace.Span.wrap(context).makeCurrent()) {
            line = new JsonLogFormatter().format(record);
        }
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("trace_id").asText(), is("4bf92f3577b34da6a3ce929d0e0e4736"));
        assertThat(json.path("span_id").asText(), is("00f067aa0ba902b7"));
        assertThat(new ObjectMapper().readTree(new JsonLogFormatter().format(record)).has("trace_id"), is(false));
    }

    @Test
    void anN8nFailureMarksTheClientSpanWithItsCode() throws Exception {
        n8n.reply(FakeN8n.Reply.text(500, "boom"));
        try (TestApp app = app(collector.endpoint().toString())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            assertThat(visitor.stream("hello").statusCode(), is(502));
            List<Span> spans = collector.awaitSpan(s -> s.getName().equals("POST n8n")
                    && s.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR);
            Span client = named(spans, "POST n8n");
            assertThat(attr(client, "error.type"), is(Optional.of("error_status")));
            assertThat(attr(client, "http.response.status_code"), is(Optional.of("500")));
            Span server = collector.awaitSpan(s -> s.getSpanId().equals(client.getParentSpanId())).stream()
                    .filter(s -> s.getSpanId().equals(client.getParentSpanId())).findFirst().orElseThrow();
            assertThat(attr(server, "http.response.status_code"), is(Optional.of("502")));
            assertThat(attr(server, "error.type"), is(Optional.of("upstream_error")));
            assertThat(server.getStatus().getCode(), is(Status.StatusCode.STATUS_CODE_ERROR));
        }
    }

    @Test
    void aRateLimitedChatShowsTheRejectingDecisionAndTheErrorCode() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n)
                .set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint().toString(), "OTEL_BSP_SCHEDULE_DELAY", "20",
                        "RATE_LIMIT_PER_MINUTE", "1")
                .map())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat("first");
            assertThat(visitor.stream("second").statusCode(), is(429));
            List<Span> spans = collector.awaitSpan(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "http.response.status_code").equals(Optional.of("429")));
            Span server = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "http.response.status_code").equals(Optional.of("429"))).findFirst().orElseThrow();
            assertThat(attr(server, "error.type"), is(Optional.of("rate_limited")));
            List<String> children = spans.stream().filter(s -> s.getParentSpanId().equals(server.getSpanId()))
                    .map(Span::getName).toList();
            assertThat(children, containsInAnyOrder("session.authenticate", "rate_limit.decide"));
            Span decision = named(spans.stream().filter(s -> s.getParentSpanId().equals(server.getSpanId()))
                    .toList(), "rate_limit.decide");
            assertThat(attr(decision, "chat.rate_limit.outcome"), is(Optional.of("rejected")));
            assertThat(attr(decision, "chat.rate_limit.scope"), is(Optional.of("session-minute")));
        }
    }

    @Test
    void withRedisTheRateLimitDecisionHasARedisChild() throws Exception {
        try (RedisServer redis = RedisServer.shared(); TestApp app = withRedis(redis)) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat("hello");
            List<Span> spans = collector.awaitSpan(s -> s.getName().equals("EVAL rate_limit"));
            Span eval = named(spans, "EVAL rate_limit");
            assertThat(attr(eval, "db.system"), is(Optional.of("redis")));
            Span parent = collector.awaitSpan(s -> s.getSpanId().equals(eval.getParentSpanId())).stream()
                    .filter(s -> s.getSpanId().equals(eval.getParentSpanId())).findFirst().orElseThrow();
            assertThat(parent.getName(), is("rate_limit.decide"));
        }
    }

    @Test
    void aResumeLinksToTheTraceThatProducedTheAnswer() throws Exception {
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ZERO));
        try (TestApp app = app(collector.endpoint().toString())) {
            assertResumeLinksToOriginal(app, app);
        }
    }

    @Test
    void aResumeOnAnotherReplicaLinksToTheTraceThatProducedTheAnswer() throws Exception {
        n8n.reply(FakeN8n.Reply.echoStream(3, Duration.ZERO));
        try (PostgresDatabase database = PostgresDatabase.create(); RedisServer redis = RedisServer.shared()) {
            java.util.Map<String, String> env = traced(TestEnv.create().n8n(n8n).postgres(database).redis(redis)).map();
            try (TestApp one = TestApp.start(env); TestApp two = TestApp.start(env)) {
                assertResumeLinksToOriginal(one, two);
            }
        }
    }

    private void assertResumeLinksToOriginal(TestApp chatOn, TestApp resumeOn) throws Exception {
        Visitor visitor = chatOn.visitor();
        visitor.createSession();
        List<SseEvent> events = visitor.chat("hello");
        String messageId = messageId(events);
        HttpResponse<InputStream> resumed = visitor.at(resumeOn.uri()).resume(messageId, messageId + ":1");
        assertThat(resumed.statusCode(), is(200));
        try (SseReader reader = new SseReader(resumed.body())) {
            assertThat(reader.all().getLast().event(), is("end"));
        }

        String resumePath = STREAM_PATH + "/" + messageId;
        // each replica exports its own batches: wait for the chat's span too, not only the resume's
        collector.awaitSpan(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                && attr(s, "url.path").equals(Optional.of(STREAM_PATH)));
        List<Span> spans = collector.awaitSpan(s -> attr(s, "url.path").equals(Optional.of(resumePath)));
        Span original = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                && attr(s, "url.path").equals(Optional.of(STREAM_PATH))).findFirst().orElseThrow();
        Span resume = spans.stream().filter(s -> attr(s, "url.path").equals(Optional.of(resumePath)))
                .findFirst().orElseThrow();
        assertThat(resume.getTraceId().equals(original.getTraceId()), is(false));
        assertThat(resume.getLinksCount(), is(1));
        Span.Link link = resume.getLinks(0);
        assertThat(OtlpReceiver.hex(link.getTraceId()), is(OtlpReceiver.hex(original.getTraceId())));
        assertThat(OtlpReceiver.hex(link.getSpanId()), is(OtlpReceiver.hex(original.getSpanId())));
        assertThat(attr(link.getAttributesList(), "chat.link"), is(Optional.of("resumed_answer")));
    }

    @Test
    void withRedisTheSessionCacheAndTheJournalHaveRedisSpansOnePerAnswerNotPerChunk() throws Exception {
        n8n.reply(FakeN8n.Reply.echoStream(5, Duration.ofMillis(5)));
        try (RedisServer redis = RedisServer.shared(); TestApp app = withRedis(redis)) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            List<SseEvent> events = visitor.chat("hello");
            String messageId = messageId(events);
            try (SseReader reader = new SseReader(visitor.resume(messageId, messageId + ":2").body())) {
                assertThat(reader.all().getLast().event(), is("end"));
            }

            collector.awaitSpan(s -> s.getName().equals("XADD answer"));
            collector.awaitSpan(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "url.path").equals(Optional.of(STREAM_PATH)));
            // the resume's own server span ends after its response, maybe after the client read it all
            collector.awaitSpan(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "url.path").equals(Optional.of(STREAM_PATH + "/" + messageId)));
            List<Span> spans = collector.awaitSpan(s -> s.getName().equals("XRANGE answer"));
            Span server = spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    && attr(s, "url.path").equals(Optional.of(STREAM_PATH))).findFirst().orElseThrow();
            List<Span> trace = spans.stream().filter(s -> s.getTraceId().equals(server.getTraceId())).toList();
            Span authenticate = named(trace, "session.authenticate");
            Span cacheRead = named(trace, "HGETALL session");
            assertThat(cacheRead.getParentSpanId(), is(authenticate.getSpanId()));
            assertThat(attr(cacheRead, "db.system"), is(Optional.of("redis")));
            assertThat(attr(cacheRead, "db.operation"), is(Optional.of("HGETALL")));

            List<Span> journal = trace.stream().filter(s -> s.getName().equals("XADD answer")).toList();
            assertThat(journal.size(), is(1));
            Span write = journal.getFirst();
            assertThat(write.getParentSpanId(), is(server.getSpanId()));
            assertThat(attr(write, "db.system"), is(Optional.of("redis")));
            assertThat(attr(write, "chat.chunks"), is(Optional.of("5")));
            // 5 ms apart the chunks come alone, one journal write each; on a loaded machine some arrive together and
            // share one
            int writes = Integer.parseInt(attr(write, "chat.journal.writes").orElseThrow());
            assertThat(writes, is(both(greaterThanOrEqualTo(1)).and(lessThanOrEqualTo(5))));
            assertThat(attr(write, "chat.journal.write_wait_us").isPresent(), is(true));

            Span catchUp = named(spans, "XRANGE answer");
            assertThat(attr(catchUp, "chat.chunks"), is(Optional.of("3")));
            Span resume = spans.stream().filter(s -> s.getSpanId().equals(catchUp.getParentSpanId())).findFirst()
                    .orElseThrow();
            assertThat(attr(resume, "url.path"), is(Optional.of(STREAM_PATH + "/" + messageId)));
        }
    }

    @Test
    void anUnreachableCollectorNeitherSlowsNorFailsAChatAndItsSpansAreCountedAsDropped() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (TestApp app = app("http://127.0.0.1:" + closedPort)) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            for (int i = 0; i < 5; i++) {
                long started = System.nanoTime();
                List<SseEvent> events = visitor.chat("hello " + i);
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertThat(events.isEmpty(), is(false));
                assertThat("chat took " + millis + " ms", millis, lessThan(2_000L));
            }
            long deadline = System.currentTimeMillis() + 20_000;
            long dropped = 0;
            while (dropped == 0 && System.currentTimeMillis() < deadline) {
                dropped = visitor.get("/metrics").json().path("tracing").path("dropped_spans").asLong();
                Thread.sleep(100);
            }
            assertThat(dropped, greaterThan(0L));
        }
    }

    @Test
    void withoutAnEndpointTracingIsOffAndNoTraceContextIsMadeUp() {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).map())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat("hello");
            assertThat(visitor.get("/metrics").json().path("tracing").path("dropped_spans").asLong(), is(0L));
            assertThat(n8n.requests().get(0).header("traceparent"), is(nullValue()));
        }
    }

    private static Span named(List<Span> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name));
    }

    private static Optional<String> attr(Span span, String key) {
        return attr(span.getAttributesList(), key);
    }

    private static Optional<String> attr(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(a -> a.getKey().equals(key)).findFirst().map(a -> text(a.getValue()));
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            default -> value.getStringValue();
        };
    }
}
