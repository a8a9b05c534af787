package io.chatproxy.session;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.SettingsSource;
import io.chatproxy.persistence.Database;
import io.chatproxy.persistence.DatabaseSettings;
import io.chatproxy.security.BrowserFingerprint;
import io.chatproxy.security.JwtCodec;
import io.chatproxy.security.SigningKey;
import io.chatproxy.security.TokenKind;
import io.chatproxy.testing.MutableClock;
import io.chatproxy.web.ErrorResponses;
import io.chatproxy.web.JsonCodec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The session cookie checks on a server of their own (an in-memory H2 store): signature, browser, origin binding,
 * revocation and expiry, and renewal past half the token's life.
 */
class SessionAuthenticatorTest {
    private static final String SITE = "https://shop.example";
    private static final String BROWSER = "test-browser/1.0";
    private static final Duration TTL = Duration.ofHours(1);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MutableClock CLOCK = new MutableClock();
    private static final AtomicInteger INVALID_TOKENS = new AtomicInteger();
    private static final AtomicInteger OTHER_BROWSERS = new AtomicInteger();

    @TempDir
    static Path dir;

    private static Database database;
    private static SessionStore store;
    private static SessionAuthenticator authenticator;
    private static WebServer server;
    private static String fingerprint;

    @BeforeAll
    static void start() throws Exception {
        database = Database.open(DatabaseSettings.read(new SettingsReader(SettingsSource.create(
                Map.of("DATABASE_URL", "jdbc:h2:mem:auth-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"), dir))));
        store = new SessionStore(database, SessionCache.NONE);
        SessionEvents events = new SessionEvents() {
            @Override
            public void created() {
            }

            @Override
            public void invalidToken() {
                INVALID_TOKENS.incrementAndGet();
            }

            @Override
            public void fingerprintMismatch() {
                OTHER_BROWSERS.incrementAndGet();
            }
        };
        authenticator = new SessionAuthenticator(
                new JwtCodec(TokenKind.SESSION, "HS256", "chat-proxy", SigningKey.random(), List.of(), CLOCK),
                store, new SessionCookie(new SessionSettings("chat_session", TTL, false)), TTL, Duration.ofHours(24),
                CLOCK, events);
        HttpRouting.Builder routing = HttpRouting.builder();
        new ErrorResponses(new JsonCodec()).register(routing);
        routing.get("/fingerprint", (req, res) -> res.send(BrowserFingerprint.of(req.headers())))
                .route(Method.GET, "/check", (req, res) -> res.send(authenticator.authenticate(req, res, false).id()))
                .route(Method.POST, "/check", (req, res) -> res.send(authenticator.authenticate(req, res, true).id()));
        server = WebServer.builder().host("127.0.0.1").port(0).routing(routing).build().start();
        fingerprint = send(request("/fingerprint")).body();
    }

    @AfterAll
    static void stop() {
        server.stop();
        database.close();
    }

    @Test
    void aValidCookieFromItsBrowserAndSiteIsTheSession() throws Exception {
        Session session = newSession();

        HttpResponse<String> r = send(request("/check").header("Cookie", cookie(session)).header("Origin", SITE));

        assertThat(r.statusCode(), is(200));
        assertThat(r.body(), is(session.id()));
    }

    @Test
    void aReadWithoutOriginIsAllowedButAStateChangeIsNot() throws Exception {
        Session session = newSession();

        assertThat(send(request("/check").header("Cookie", cookie(session))).statusCode(), is(200));
        HttpResponse<String> post = send(request("/check").header("Cookie", cookie(session))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertError(post, 403, "origin_required");
    }

    @Test
    void aCookieUsedFromAnotherSiteIsRefused() throws Exception {
        Session session = newSession();

        assertError(send(request("/check").header("Cookie", cookie(session)).header("Origin", "https://evil.example")),
                403, "origin_mismatch");
    }

    @Test
    void noCookieIsSessionMissing() throws Exception {
        assertError(send(request("/check")), 401, "session_missing");
    }

    @Test
    void aTamperedCookieIsInvalidAndCounted() throws Exception {
        int before = INVALID_TOKENS.get();
        String token = authenticator.issue(newSession(), SITE, fingerprint, CLOCK.instant().plus(TTL));

        assertError(send(request("/check").header("Cookie", "chat_session=" + token + "x")), 401, "session_invalid");
        assertThat(INVALID_TOKENS.get(), is(before + 1));
    }

    @Test
    void aCookieReplayedFromAnotherBrowserIsInvalidAndCounted() throws Exception {
        int before = OTHER_BROWSERS.get();
        Session session = newSession();

        HttpResponse<String> r = send(request("/check").header("Cookie", cookie(session))
                .setHeader("User-Agent", "another-browser/2.0"));

        assertError(r, 401, "session_invalid");
        assertThat(OTHER_BROWSERS.get(), is(before + 1));
    }

    @Test
    void aRevokedSessionIsRefusedWhileItsTokenStillVerifies() throws Exception {
        Session session = newSession();
        store.revoke(session.id(), CLOCK.instant());

        assertError(send(request("/check").header("Cookie", cookie(session))), 401, "session_revoked");
    }

    @Test
    void aSessionTheStoreDoesNotKnowIsInvalid() throws Exception {
        Instant now = CLOCK.instant();
        Session unknown = new Session("unknown-" + UUID.randomUUID(), "shop.example", "", fingerprint, now,
                now.plus(TTL), Optional.empty());

        assertError(send(request("/check").header("Cookie", cookie(unknown))), 401, "session_invalid");
    }

    @Test
    void aTokenPastHalfItsLifeIsRenewedOnTheResponse() throws Exception {
        Session session = newSession();
        String cookie = cookie(session);
        CLOCK.advance(TTL.dividedBy(2).plusMinutes(5));
        try {
            HttpResponse<String> r = send(request("/check").header("Cookie", cookie));

            assertThat(r.statusCode(), is(200));
            assertThat(r.headers().firstValue("Set-Cookie").orElse(""), startsWith("chat_session="));
            assertThat(store.find(session.id()).orElseThrow().expiresAt().isAfter(session.expiresAt()), is(true));
        } finally {
            CLOCK.advance(TTL.dividedBy(2).plusMinutes(5).negated());
        }
    }

    @Test
    void aCookieThatWorkedIsRefusedByItsOwnExpiryOnceItExpired() throws Exception {
        Session session = newSession();
        String cookie = "chat_session=" + authenticator.issue(session, SITE, fingerprint,
                CLOCK.instant().plus(Duration.ofMinutes(5)));
        assertThat(send(request("/check").header("Cookie", cookie)).statusCode(), is(200));
        int before = INVALID_TOKENS.get();
        CLOCK.advance(Duration.ofMinutes(10));
        try {
            assertError(send(request("/check").header("Cookie", cookie)), 401, "session_expired");
            // the token itself was refused, not only the session
            assertThat(INVALID_TOKENS.get(), is(before + 1));
        } finally {
            CLOCK.advance(Duration.ofMinutes(-10));
        }
    }

    @Test
    void aYoungTokenIsNotRenewed() throws Exception {
        HttpResponse<String> r = send(request("/check").header("Cookie", cookie(newSession())));

        assertThat(r.statusCode(), is(200));
        assertThat(r.headers().firstValue("Set-Cookie").isPresent(), is(false));
    }

    private static Session newSession() {
        Instant now = CLOCK.instant();
        Session session = new Session("s-" + UUID.randomUUID(), "shop.example", "", fingerprint, now, now.plus(TTL),
                Optional.empty());
        store.insert(session);
        return session;
    }

    private static String cookie(Session session) {
        return "chat_session=" + authenticator.issue(session, SITE, fingerprint, session.expiresAt());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("User-Agent", BROWSER);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        JsonNode body = JSON.readTree(r.body());
        assertThat(r.body(), r.statusCode(), is(status));
        assertThat(body.get("error").get("code").asText(), is(code));
    }
}
