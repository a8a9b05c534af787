package io.chatproxy.session;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.MutableClock;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * The API's behaviour, run once per store: {@code SessionApiH2Test} and {@code SessionApiPostgresTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SessionApiContract {
    private FakeN8n n8n;
    private MutableClock clock;
    private TestApp app;

    /** Environment that selects the store. */
    abstract Map<String, String> storeEnv();

    /** Releases the store. */
    void closeStore() {
    }

    @BeforeAll
    void start() {
        n8n = FakeN8n.start();
        clock = new MutableClock();
        Map<String, String> env = new java.util.HashMap<>(storeEnv());
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        app = TestApp.start(env, clock);
    }

    @AfterAll
    void stop() {
        app.close();
        n8n.close();
        closeStore();
    }

    @Test
    void createsSessionWithThirdPartyCookie() {
        Visitor visitor = app.visitor();
        Visitor.Answer answer = visitor.createSession();

        assertThat(answer.status(), is(201));
        assertThat(answer.json().get("session_id").asText().length(), is(24));
        assertThat(answer.json().get("expires_at").asText(), containsString("T"));
        String cookie = answer.header("Set-Cookie").orElseThrow();
        assertThat(cookie, startsWith("chat_session_id=ey"));
        assertThat(cookie, containsString("; HttpOnly"));
        assertThat(cookie, containsString("; Secure"));
        assertThat(cookie, containsString("; SameSite=None"));
        assertThat(cookie, containsString("; Partitioned"));
        assertThat(cookie, containsString("; Path=/"));
        assertThat(cookie, containsString("; Max-Age=86400"));
    }

    @Test
    void validatesItsOwnSession() {
        Visitor visitor = app.visitor();
        visitor.createSession();

        Visitor.Answer answer = visitor.get("/api/v1/session/validate");

        assertThat(answer.status(), is(200));
        assertThat(answer.json().get("valid").asBoolean(), is(true));
        assertThat(answer.json().get("session_id").asText(), is(visitor.sessionId()));
        assertThat(answer.json().get("origin_domain").asText(), is("shop.example.com"));
    }

    @Test
    void refusesMissingCookie() {
        Visitor.Answer answer = app.visitor().get("/api/v1/session/validate");

        assertThat(answer.status(), is(401));
        assertThat(answer.json().get("valid").asBoolean(), is(false));
        assertThat(answer.json().path("error").path("code").asText(), is("session_missing"));
    }

    @Test
    void refusesTamperedCookie() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String token = visitor.cookie();
        String[] parts = token.split("\\.");
        char last = parts[1].charAt(parts[1].length() - 2);
        parts[1] = parts[1].substring(0, parts[1].length() - 2) + (last == 'A' ? 'B' : 'A')
                + parts[1].charAt(parts[1].length() - 1);
        visitor.cookie(String.join(".", parts));

        Visitor.Answer answer = visitor.get("/api/v1/session/validate");

        assertThat(answer.status(), is(401));
        assertThat(answer.json().path("error").path("code").asText(), is("session_invalid"));
    }

    @Test
    void refusesExpiredCookie() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        clock.advance(Duration.ofHours(25));
        try {
            Visitor.Answer answer = visitor.get("/api/v1/session/validate");

            assertThat(answer.status(), is(401));
            assertThat(answer.json().path("error").path("code").asText(), is("session_expired"));
        } finally {
            clock.advance(Duration.ofHours(-25));
        }
    }

    @Test
    void renewsCookiePastHalfItsLife() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String first = visitor.cookie();
        clock.advance(Duration.ofHours(13));
        try {
            Visitor.Answer answer = visitor.get("/api/v1/session/validate");

            assertThat(answer.status(), is(200));
            assertThat(visitor.cookie(), not(first));
            assertThat(visitor.get("/api/v1/session/validate").status(), is(200));
        } finally {
            clock.advance(Duration.ofHours(-13));
        }
    }

    @Test
    void refusesOriginNotAllowed() {
        Visitor visitor = app.visitor().origin("https://evil.example.net");

        Visitor.Answer answer = visitor.createSession();

        assertThat(answer.status(), is(403));
        assertThat(answer.errorCode(), is("origin_not_allowed"));
    }

    @Test
    void refusesOriginDomainThatDiffersFromOrigin() {
        Visitor.Answer answer = app.visitor().post("/api/v1/session/create",
                "{\"origin_domain\":\"other.example.com\"}");

        assertThat(answer.status(), is(403));
        assertThat(answer.errorCode(), is("origin_mismatch"));
    }

    @Test
    void refusesMissingOrigin() {
        Visitor.Answer answer = app.visitor().origin(null).post("/api/v1/session/create",
                "{\"origin_domain\":\"shop.example.com\"}");

        assertThat(answer.status(), is(403));
        assertThat(answer.errorCode(), is("origin_not_allowed"));
    }

    @Test
    void rejectsMalformedJson() {
        Visitor.Answer answer = app.visitor().post("/api/v1/session/create", "{\"origin_domain\":");

        assertThat(answer.status(), is(400));
        assertThat(answer.errorCode(), is("invalid_json"));
        assertThat(answer.json().path("error").path("request_id").asText().isEmpty(), is(false));
    }

    @Test
    void rejectsWrongFieldType() {
        Visitor.Answer answer = app.visitor().post("/api/v1/session/create", "{\"origin_domain\":42}");

        assertThat(answer.status(), is(400));
        assertThat(answer.errorCode(), is("invalid_field"));
    }

    @Test
    void rejectsNonJsonContentType() {
        Visitor visitor = app.visitor();
        Visitor.Answer answer = visitor.send(visitor.request("/api/v1/session/create")
                .header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")));

        assertThat(answer.status(), is(415));
        assertThat(answer.errorCode(), is("unsupported_media_type"));
    }

    @Test
    void revokesSessionAndClearsCookie() {
        Visitor visitor = app.visitor();
        visitor.createSession();
        String token = visitor.cookie();

        Visitor.Answer answer = visitor.delete("/api/v1/session");

        assertThat(answer.status(), is(200));
        assertThat(answer.header("Set-Cookie").orElseThrow(), containsString("Max-Age=0"));
        visitor.cookie(token);
        Visitor.Answer after = visitor.get("/api/v1/session/validate");
        assertThat(after.status(), is(401));
        assertThat(after.json().path("error").path("code").asText(), is("session_revoked"));
    }

    @Test
    void answersUnknownPathWithJson404() {
        Visitor.Answer answer = app.visitor().get("/api/v1/nothing-here");

        assertThat(answer.status(), is(404));
        assertThat(answer.errorCode(), is("not_found"));
    }

    @Test
    void setsSecurityHeadersOnApiResponses() {
        Visitor.Answer answer = app.visitor().get("/api/v1/session/validate");

        assertThat(answer.header("Content-Security-Policy").orElseThrow(), containsString("default-src 'none'"));
        assertThat(answer.header("X-Content-Type-Options").orElseThrow(), is("nosniff"));
        assertThat(answer.header("Referrer-Policy").orElseThrow(), is("no-referrer"));
        assertThat(answer.header("Cache-Control").orElseThrow(), is("no-store"));
        assertThat(answer.header("X-Request-Id").isPresent(), is(true));
    }
}
