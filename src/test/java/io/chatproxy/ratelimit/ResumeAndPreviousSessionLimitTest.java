package io.chatproxy.ratelimit;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

class ResumeAndPreviousSessionLimitTest {
    private FakeN8n n8n;
    private TestApp app;

    @BeforeEach
    void start() {
        n8n = FakeN8n.start();
        app = TestApp.start(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString(),
                "CHAT_PROXY_RATE_LIMIT__RESUME__PER_MINUTE", "2",
                "CHAT_PROXY_RATE_LIMIT__PREVIOUS_SESSION__PER_MINUTE", "2"));
    }

    @AfterEach
    void stop() {
        app.close();
        n8n.close();
    }

    @Test
    void resumesFromOneAddressAreLimited() {
        Visitor visitor = app.visitor();
        assertThat(visitor.createSession().status(), is(201));
        String path = "/api/v1/chat/stream/" + UUID.randomUUID();

        assertThat(visitor.get(path).status(), not(is(429)));
        assertThat(visitor.get(path).status(), not(is(429)));
        Visitor.Answer third = visitor.get(path);

        assertThat(third.status(), is(429));
        assertThat(third.errorCode(), is("rate_limited"));
        assertThat(third.json().get("error").get("scope").asText(), is("resume-ip-minute"));
        assertThat(third.header("Retry-After").isPresent(), is(true));
    }

    @Test
    void loadPreviousSessionFromOneAddressIsLimited() {
        Visitor visitor = app.visitor();
        String body = "{\"action\":\"loadPreviousSession\",\"sessionId\":\"client-session-1\"}";

        assertThat(visitor.post("/api/v1/n8n/chat", body).status(), is(200));
        assertThat(visitor.post("/api/v1/n8n/chat", body).status(), is(200));
        Visitor.Answer third = visitor.post("/api/v1/n8n/chat", body);

        assertThat(third.status(), is(429));
        assertThat(third.json().get("error").get("code").asText(), is("rate_limited"));
        assertThat(third.json().get("error").get("scope").asText(), is("previous-session-ip-minute"));
    }
}
