package io.chatproxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.chatproxy.testing.SseEvent;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * What a newcomer gets without configuration: an H2 file database, the in-process limiter and, in DEBUG, the demo
 * upstream.
 */
class EmbeddedModeTest {
    @TempDir
    Path dir;

    private Map<String, String> debugEnv() {
        return Map.of("DEBUG", "true",
                "DATABASE_URL", "jdbc:h2:file:" + dir.resolve("data/chat-proxy"),
                "JWT_SECRET_KEY", TestApp.JWT_SECRET,
                "SESSION_SECRET_KEY", TestApp.N8N_SECRET,
                "HEALTH_DETAILS", "true");
    }

    @Test
    void demoUpstreamEchoesInSeveralChunks() {
        try (TestApp app = TestApp.start(debugEnv())) {
            Visitor visitor = app.visitor();
            visitor.createSession();

            List<SseEvent> events = visitor.chat("hello demo");

            long chunks = events.stream().filter(e -> e.event().equals("chunk")).count();
            assertThat(chunks, greaterThan(3L));
            assertThat(events.getLast().event(), is("end"));
            JsonNode health = visitor.get("/health").json();
            assertThat(health.get("services").get("n8n").get("upstream").asText(), containsString("demo"));
            assertThat(health.get("services").get("rate_limiter").get("kind").asText(), is("in-process"));
            assertThat(health.get("config").get("database").asText(), is("h2"));
        }
    }

    @Test
    void fileDatabaseKeepsSessionsAndHistoryAcrossRestarts() {
        Visitor browser;
        try (TestApp first = TestApp.start(debugEnv())) {
            browser = first.visitor();
            browser.createSession();
            browser.chat("still there?");
        }
        try (TestApp second = TestApp.start(debugEnv())) {
            Visitor same = browser.at(second.uri());

            assertThat(same.get("/api/v1/session/validate").status(), is(200));
            JsonNode messages = same.history().json().get("messages");
            assertThat(messages.size(), is(2));
            assertThat(messages.get(0).get("content").asText(), is("still there?"));
            assertThat(messages.get(1).get("status").asText(), is("complete"));
        }
    }

    @Test
    void servesDemoPageThatEmbedsTheWidget() {
        try (TestApp app = TestApp.start(debugEnv())) {
            Visitor.Answer page = app.visitor().get("/");

            assertThat(page.status(), is(200));
            assertThat(page.header("Content-Type").orElseThrow(), containsString("text/html"));
            assertThat(page.body(), containsString("<script src=\"widget.js\""));
            assertThat(page.header("Content-Security-Policy").orElseThrow(), containsString("script-src 'self'"));
            Visitor.Answer widget = app.visitor().get("/widget.js");
            assertThat(widget.status(), is(302));
            assertThat(app.visitor().get("/" + widget.header("Location").orElseThrow()).status(), is(200));
            assertThat(app.visitor().get("/demo.css").status(), is(200));
        }
    }
}
