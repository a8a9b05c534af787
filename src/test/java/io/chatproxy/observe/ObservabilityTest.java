package io.chatproxy.observe;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
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
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

class ObservabilityTest {
    private static final String DB_PASSWORD = "Sup3rSecretDbPassw0rd";
    private static final String SECRET_MESSAGE = "my card number is 4111-1111-1111-1111";

    private final List<String> logs = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String text = new java.util.logging.SimpleFormatter().formatMessage(record);
            synchronized (logs) {
                logs.add(record.getLoggerName() + " " + text + (record.getThrown() == null
                        ? ""
                        : " " + record.getThrown()));
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
    private PostgresDatabase database;
    private RedisServer redis;

    @BeforeEach
    void start() {
        Logger.getLogger("").addHandler(capture);
        Logger.getLogger("io.helidon.webserver.AccessLog").setLevel(java.util.logging.Level.INFO);
        n8n = FakeN8n.start();
        database = PostgresDatabase.create();
        redis = RedisServer.shared();
    }

    @AfterEach
    void stop() {
        Logger.getLogger("").removeHandler(capture);
        redis.close();
        database.close();
        n8n.close();
    }

    private TestApp app(String... pairs) {
        // a password in the URL, so that the test can show it never appears in /health, /metrics or a log line
        return TestApp.start(TestEnv.create().n8n(n8n).redis(redis)
                .set("DATABASE_URL", database.url(DB_PASSWORD))
                .set(pairs).map());
    }

    @Test
    void publicHealthSaysTheStatusOnly() {
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            Visitor.Answer health = visitor.get("/health");

            assertThat(health.status(), is(200));
            assertThat(health.json().size(), is(1));
            assertThat(health.json().get("status").asText(), is("healthy"));
            assertThat(health.body(), not(containsString(n8n.webhookUrl().toString())));
            assertThat(health.body(), not(containsString(TestApp.ORIGIN)));
            for (String probe : List.of("/observe/health", "/observe/health/live", "/observe/health/ready",
                    "/observe/health/started")) {
                Visitor.Answer answer = visitor.get(probe);
                assertThat(probe, answer.status(), is(204));
                assertThat(probe, answer.body(), is(""));
            }
        }
    }

    @Test
    void healthWithDetailsReportsEveryDependencyAndTheConfig() {
        try (TestApp app = app("HEALTH_DETAILS", "true")) {
            JsonNode health = app.visitor().get("/health").json();

            assertThat(health.get("status").asText(), is("healthy"));
            assertThat(health.get("services").get("database").get("status").asText(), is("up"));
            assertThat(health.get("services").get("database").has("latency_ms"), is(true));
            assertThat(health.get("services").get("redis").get("status").asText(), is("up"));
            assertThat(health.get("services").get("redis").has("latency_ms"), is(true));
            assertThat(health.get("services").get("n8n").get("circuit_breaker").asText(), is("closed"));
            assertThat(health.get("config").get("app_name").asText(), is("chat-proxy"));
            assertThat(health.get("config").get("allowed_origins").get(0).isTextual(), is(true));
            assertThat(health.has("version"), is(true));
            assertThat(health.get("uptime_seconds").asLong() >= 0, is(true));
        }
    }

    @Test
    void kubernetesProbesWithDetails() {
        try (TestApp app = app("HEALTH_DETAILS", "true")) {
            Visitor visitor = app.visitor();

            assertThat(visitor.get("/observe/health/live").status(), is(200));
            assertThat(visitor.get("/observe/health/ready").status(), is(200));
            assertThat(visitor.get("/observe/health/started").status(), is(200));
            assertThat(visitor.get("/observe/health/ready").body(), containsString("accepting-streams"));
        }
    }

    @Test
    void metricsMoveWithTrafficAndActiveStreamsReturnToZero() {
        try (TestApp app = app("RATE_LIMIT_PER_MINUTE", "2")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            JsonNode before = visitor.get("/metrics").json();

            visitor.chat("one");
            visitor.chat("two");
            visitor.post("/api/v1/chat/stream", "{\"message\":\"three\"}");
            assertThat(app.awaitNoOpenStreams(), is(0));
            JsonNode after = visitor.get("/metrics").json();

            assertThat(after.get("connections").get("total_streams").asLong(),
                    is(before.get("connections").get("total_streams").asLong() + 2));
            assertThat(after.get("connections").get("active_streams").asInt(), is(0));
            assertThat(after.get("messages").get("received").asLong(), is(2L));
            assertThat(after.get("rate_limits").get("rejected").asLong(), is(1L));
            assertThat(after.get("rate_limits").get("by_scope").get("session-minute").asLong(), is(1L));
            assertThat(after.get("upstream").get("requests").asLong(), is(2L));
            assertThat(after.get("upstream").get("circuit_breaker").asText(), is("closed"));
            assertThat(after.get("upstream").get("ttfb_ms").get("p99").asDouble(), greaterThan(0.0));
            assertThat(after.get("sessions").get("created").asLong(), is(1L));
        }
    }

    @Test
    void prometheusTextWithApplicationAndJvmMeters() {
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat("count me");

            String text = visitor.get("/observe/metrics").body();
            Visitor.Answer viaMetrics = visitor.send(visitor.request("/metrics").header("Accept", "text/plain").GET());

            assertThat(text, containsString("chat_streams_started_total{"));
            assertThat(text, containsString("chat_streams_active{"));
            assertThat(text, containsString("chat_streams_ended_total{outcome=\"complete\""));
            assertThat(text, containsString("chat_upstream_ttfb_seconds{"));
            assertThat(text, containsString("chat_upstream_circuit_breaker_state{"));
            assertThat(text, containsString("thread_count{"));
            assertThat(viaMetrics.body(), containsString("# TYPE chat_streams_started_total counter"));
        }
    }

    @Test
    void breakerOpenMakesHealthDegraded() throws Exception {
        try (TestApp app = app("CHAT_PROXY_RESILIENCE__CIRCUIT_BREAKER__VOLUME", "2",
                "CHAT_PROXY_RESILIENCE__CIRCUIT_BREAKER__ERROR_RATIO", "50", "HEALTH_DETAILS", "true")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            n8n.reply(FakeN8n.Reply.json(500, "{}"));
            visitor.post("/api/v1/chat/stream", "{\"message\":\"a\"}");
            visitor.post("/api/v1/chat/stream", "{\"message\":\"b\"}");
            Thread.sleep(2100);

            JsonNode health = visitor.get("/health").json();

            assertThat(health.get("status").asText(), is("degraded"));
            assertThat(health.get("services").get("n8n").get("circuit_breaker").asText(), is("open"));
        }
    }

    @Test
    void requestIdIsReturnedLoggedAndPassedToN8n() throws Exception {
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            Visitor.Answer validate = visitor.send(visitor.request("/api/v1/session/validate")
                    .header("X-Request-Id", "req-12345").GET());
            visitor.chat("hello");

            assertThat(validate.header("X-Request-Id").orElseThrow(), is("req-12345"));
            JsonNode metadata = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(n8n.requests().getLast().body()).get("metadata");
            assertThat(metadata.get("request_id").asText().length(), greaterThan(8));
            Thread.sleep(200);
            assertThat(joinedLogs(), containsString("rid=req-12345"));
        }
    }

    @Test
    void traceparentIsPassedToN8n() {
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

            visitor.send(visitor.request("/api/v1/chat/message").header("Content-Type", "application/json")
                    .header("traceparent", traceparent)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"trace me\"}")));

            assertThat(n8n.requests().getLast().header("traceparent"), is(traceparent));
        }
    }

    @Test
    void anInvalidTraceparentIsNotPassedToN8n() {
        try (TestApp app = app()) {
            Visitor visitor = app.visitor();
            visitor.createSession();

            visitor.send(visitor.request("/api/v1/chat/message").header("Content-Type", "application/json")
                    .header("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"trace me\"}")));

            assertThat(n8n.requests().getLast().header("traceparent"), is(nullValue()));
        }
    }

    @Test
    void secretsNeverAppearInHealthMetricsOrLogs() throws Exception {
        try (TestApp app = app("HEALTH_DETAILS", "true")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat(SECRET_MESSAGE);
            visitor.cookie(visitor.cookie() + "x");
            visitor.get("/api/v1/session/validate");
            String health = visitor.get("/health").body();
            String metrics = visitor.get("/metrics").body() + visitor.get("/observe/metrics").body();
            Thread.sleep(200);
            String logText = joinedLogs();

            for (String secret : List.of(TestApp.JWT_SECRET, TestApp.N8N_SECRET, DB_PASSWORD, SECRET_MESSAGE,
                    visitor.cookie().substring(0, 40))) {
                assertThat(health, not(containsString(secret)));
                assertThat(metrics, not(containsString(secret)));
                assertThat(logText, not(containsString(secret)));
            }
            assertThat("the capture saw the access log", logText, containsString("rid="));
        }
    }

    @Test
    void aRequestRefusedByAFilterIsLoggedWithTheStatusItGot() throws Exception {
        try (TestApp app = app()) {
            Visitor elsewhere = app.visitor().origin("https://elsewhere.example");
            Visitor.Answer refused = elsewhere.send(elsewhere.request("/api/v1/session/create")
                    .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .header("Access-Control-Request-Method", "POST"));
            Thread.sleep(200);

            assertThat(refused.status(), is(403));
            assertThat(refused.errorCode(), is("cors_refused"));
            assertThat(joinedLogs(), containsString("\"OPTIONS /api/v1/session/create HTTP/1.1\" 403 "));
        }
    }

    @Test
    void messageContentIsLoggedOnlyWithDebugAndTheFlag() throws Exception {
        try (TestApp app = app("CHAT_PROXY_APP__LOG_MESSAGE_CONTENT", "true")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat(SECRET_MESSAGE);
            assertThat(joinedLogs(), not(containsString(SECRET_MESSAGE)));
        }
        try (TestApp app = app("CHAT_PROXY_APP__LOG_MESSAGE_CONTENT", "true", "DEBUG", "true")) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat(SECRET_MESSAGE);
            assertThat(joinedLogs(), containsString(SECRET_MESSAGE));
        }
    }

    @Test
    void jsonLogFormatterWritesOneObjectPerLine() throws Exception {
        LogRecord record = new LogRecord(java.util.logging.Level.WARNING, "hello {0}");
        record.setParameters(new Object[]{"world"});
        record.setLoggerName("test");

        String line = new JsonLogFormatter().format(record);

        JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertThat(json.get("message").asText(), is("hello world"));
        assertThat(json.get("level").asText(), is("WARNING"));
        assertThat(line.endsWith(System.lineSeparator()), is(true));
        assertThat(line.trim().contains("\n"), is(false));
    }

    private String joinedLogs() {
        synchronized (logs) {
            return String.join("\n", logs);
        }
    }
}
