package io.chatproxy.security;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.chatproxy.AppInternals;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.RawHttp;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestTokens;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * Attacks on every door the proxy guards. Each case asserts the status and error code, and that nothing reached n8n
 * and nothing was stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdversarialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "/api/v1/chat/stream";
    private static final String MESSAGE = "{\"message\":\"hello\"}";

    private FakeN8n n8n;
    private TestApp app;
    private Visitor alice;
    private Visitor bob;
    private Visitor revoked;

    @BeforeAll
    void start() {
        n8n = FakeN8n.start();
        Map<String, String> env = new HashMap<>();
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        env.put("ALLOWED_HOSTS", "127.0.0.1,localhost");
        app = TestApp.start(env);
        alice = app.visitor();
        alice.createSession();
        alice.chat("alice's secret");
        bob = app.visitor().origin("http://localhost:3000");
        bob.createSession();
        revoked = app.visitor();
        revoked.createSession();
        String token = revoked.cookie();
        revoked.delete("/api/v1/session");
        revoked.cookie(token);
    }

    @AfterAll
    void stop() {
        app.close();
        n8n.close();
    }

    record Attack(String name, Function<AdversarialTest, Result> send, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Result(int status, String body, Map<String, String> headers) {
        String code() {
            try {
                JsonNode json = JSON.readTree(body);
                return json.path("error").path("code").asText();
            } catch (java.io.IOException e) {
                return "<not json: " + body + ">";
            }
        }
    }

    static Stream<Attack> attacks() {
        return Stream.of(
                // forged and misused tokens
                new Attack("no cookie", t -> t.chatWith(null), 401, "session_missing"),
                new Attack("garbage cookie", t -> t.chatWith("not-a-jwt"), 401, "session_invalid"),
                new Attack("tampered payload", t -> t.chatWith(t.tamperedPayload()), 401, "session_invalid"),
                new Attack("tampered signature", t -> t.chatWith(t.tamperedSignature()), 401, "session_invalid"),
                new Attack("alg none", t -> t.chatWith(TestTokens.unsigned(t.header("none"), t.payload())),
                        401, "session_invalid"),
                new Attack("alg HS512 with the same key", t -> t.chatWith(
                        TestTokens.sign(t.header("HS512"), t.payload(), TestApp.JWT_SECRET, "HmacSHA512")),
                        401, "session_invalid"),
                new Attack("RS256 header over an HMAC signature", t -> t.chatWith(
                        TestTokens.sign(t.header("RS256"), t.payload(), TestApp.JWT_SECRET, "HmacSHA256")),
                        401, "session_invalid"),
                new Attack("expired", t -> t.chatWith(t.resigned(p -> {
                    p.put("iat", now() - 7200);
                    p.put("nbf", now() - 7200);
                    p.put("exp", now() - 3600);
                })), 401, "session_expired"),
                new Attack("not yet valid", t -> t.chatWith(t.resigned(p -> p.put("nbf", now() + 3600))),
                        401, "session_invalid"),
                new Attack("issued in the future", t -> t.chatWith(t.resigned(p -> p.put("iat", now() + 3600))),
                        401, "session_invalid"),
                new Attack("wrong issuer", t -> t.chatWith(t.resigned(p -> p.put("iss", "someone-else"))),
                        401, "session_invalid"),
                new Attack("wrong audience", t -> t.chatWith(t.resigned(p -> p.putArray("aud").add("n8n"))),
                        401, "session_invalid"),
                new Attack("no expiry", t -> t.chatWith(t.resigned(p -> p.remove("exp"))), 401, "session_invalid"),
                new Attack("n8n token used as cookie", t -> t.chatWith(t.n8nToken()), 401, "session_invalid"),
                new Attack("session key but n8n type", t -> t.chatWith(t.resigned(p -> p.put("typ", "n8n-call"))),
                        401, "session_invalid"),
                new Attack("unknown key id", t -> t.chatWith(t.resignedHeader(h -> h.put("kid", "0000deadbeef"))),
                        401, "session_invalid"),
                new Attack("signed with a removed key", t -> t.chatWith(TestTokens.sign(
                        t.header("HS256"), t.payload(), "an-old-key-that-was-removed-0123456789", "HmacSHA256")),
                        401, "session_invalid"),
                new Attack("session of A with origin B", t -> t.send(t.alice.origin("http://localhost:3000"),
                        CHAT, MESSAGE), 403, "origin_mismatch"),
                new Attack("history of A read from site B", t -> t.getFrom(t.alice, "http://localhost:3000",
                        "/api/v1/chat/history/" + t.alice.sessionId()), 403, "origin_mismatch"),
                new Attack("answer of A resumed from site B", t -> t.getFrom(t.alice, "http://localhost:3000",
                        "/api/v1/chat/stream/" + java.util.UUID.randomUUID()), 403, "origin_mismatch"),
                new Attack("session of A validated from site B", t -> t.getFrom(t.alice, "http://localhost:3000",
                        "/api/v1/session/validate"), 403, "origin_mismatch"),
                new Attack("history cursor that is not one", t -> t.getFrom(t.alice, TestApp.ORIGIN,
                        "/api/v1/chat/history/" + t.alice.sessionId() + "?before=1%20OR%201=1"), 400, "invalid_cursor"),
                new Attack("history page over the maximum", t -> t.getFrom(t.alice, TestApp.ORIGIN,
                        "/api/v1/chat/history/" + t.alice.sessionId() + "?limit=1000000"), 400, "invalid_limit"),
                new Attack("cookie replayed from another browser", t -> t.send(
                        t.app.visitor().cookie(t.alice.cookie()), CHAT, MESSAGE), 401, "session_invalid"),
                new Attack("revoked session", t -> t.send(t.revoked, CHAT, MESSAGE), 401, "session_revoked"),
                new Attack("another session id in the sub",
                        t -> t.chatWith(t.resigned(p -> p.put("sub", "x" + p.get("sub").asText()))),
                        401, "session_invalid"),
                // origins
                new Attack("missing Origin", t -> t.send(t.alice.origin(null), CHAT, MESSAGE), 403, "origin_required"),
                new Attack("forged Origin on create", t -> t.create("https://attacker.example"), 403,
                        "origin_not_allowed"),
                new Attack("suffix-spoofed Origin", t -> t.create("https://shop.example.com.evil.net"), 403,
                        "origin_not_allowed"),
                new Attack("prefix-spoofed Origin", t -> t.create("https://evilshop.example.com"), 403,
                        "origin_not_allowed"),
                new Attack("null Origin", t -> t.create("null"), 403, "origin_not_allowed"),
                new Attack("Origin with other scheme", t -> t.create("http://shop.example.com"), 403,
                        "origin_not_allowed"),
                new Attack("Origin with other port", t -> t.create("https://shop.example.com:8443"), 403,
                        "origin_not_allowed"),
                new Attack("Origin with user info", t -> t.create("https://shop.example.com@evil.net"), 403,
                        "origin_not_allowed"),
                new Attack("CORS preflight from a bad origin", t -> t.preflight("https://evil.example"), 403,
                        "cors_refused"),
                new Attack("top-level form navigation",
                        t -> t.send(t.alice, CHAT, MESSAGE, "Sec-Fetch-Mode", "navigate"),
                        403, "fetch_metadata_refused"),
                new Attack("wrong Host", t -> t.raw("POST", CHAT, Map.of("Host", "evil.example",
                        "Content-Type", "application/json", "Origin", TestApp.ORIGIN), MESSAGE.getBytes()),
                        400, "invalid_host"),
                // bodies and sizes
                new Attack("oversized body", t -> t.send(t.alice, CHAT,
                        "{\"message\":\"" + "a".repeat(20_000) + "\"}"), 413, "payload_too_large"),
                new Attack("huge header", t -> t.raw("GET", "/api/v1/session/validate",
                        Map.of("X-Padding", "p".repeat(20_000)), new byte[0]), 431, "headers_too_large"),
                new Attack("URL too long", t -> t.raw("GET", "/api/v1/chat/history/" + "a".repeat(5000), Map.of(),
                        new byte[0]), 414, "uri_too_long"),
                new Attack("deep JSON nesting", t -> t.send(t.alice, CHAT,
                        "{\"message\":" + "[".repeat(200) + "]".repeat(200) + "}"), 400, "invalid_json"),
                new Attack("wrong content type", t -> t.sendTyped(t.alice, CHAT, MESSAGE, "text/plain"), 415,
                        "unsupported_media_type"),
                new Attack("form post", t -> t.sendTyped(t.alice, CHAT, "message=hi",
                        "application/x-www-form-urlencoded"), 415, "unsupported_media_type"),
                new Attack("invalid UTF-8", t -> t.raw("POST", CHAT, t.aliceHeaders(), new byte[]{
                        '{', '"', 'm', 'e', 's', 's', 'a', 'g', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"',
                        '}'}),
                        400, "invalid_utf8"),
                new Attack("NUL byte", t -> t.send(t.alice, CHAT, "{\"message\":\"hi\\u0000there\"}"), 400,
                        "invalid_message"),
                new Attack("10,000 emoji",
                        t -> t.send(t.alice, CHAT, "{\"message\":\"" + "\\ud83d\\ude00".repeat(10_000)
                                + "\"}"),
                        413, "payload_too_large"),
                new Attack("4,001 emoji", t -> t.send(t.alice, CHAT, "{\"message\":\"" + "😀".repeat(4001) + "\"}"),
                        400, "message_too_long"),
                new Attack("message of wrong type", t -> t.send(t.alice, CHAT, "{\"message\":42}"), 400,
                        "invalid_field"),
                new Attack("only control characters", t -> t.send(t.alice, CHAT, "{\"message\":\"\\u0001\\u0002 \"}"),
                        400, "empty_message"),
                new Attack("duplicate keys", t -> t.send(t.alice, CHAT, "{\"message\":\"a\",\"message\":\"b\"}"),
                        400, "invalid_json"),
                new Attack("JSON array body", t -> t.send(t.alice, CHAT, "[\"hello\"]"), 400, "invalid_json"),
                // history and paths
                new Attack("history of another session", t -> t.get(t.bob, "/api/v1/chat/history/"
                        + t.alice.sessionId()), 404, "not_found"),
                new Attack("path traversal in history id", t -> t.get(t.alice,
                        "/api/v1/chat/history/..%2F..%2Fetc%2Fpasswd"), 404, "not_found"),
                new Attack("SQL in history id", t -> t.get(t.alice, "/api/v1/chat/history/x'%20OR%20'1'='1"), 404,
                        "not_found"),
                // header injection through inputs
                new Attack("CR/LF in page_url", t -> t.send(t.alice, CHAT,
                        "{\"message\":\"hi\",\"page_url\":\"https://shop.example.com/a\\r\\nSet-Cookie: x=1\"}"),
                        400, "invalid_page_url"),
                new Attack("page_url on another site", t -> t.send(t.alice, CHAT,
                        "{\"message\":\"hi\",\"page_url\":\"https://evil.example/a\"}"), 400, "invalid_page_url"),
                new Attack("javascript page_url", t -> t.send(t.alice, CHAT,
                        "{\"message\":\"hi\",\"page_url\":\"javascript:alert(1)\"}"), 400, "invalid_page_url"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void attackIsRefusedAndLeavesNoTrace(Attack attack) {
        int calls = n8n.requestCount();
        long messages = count("chat_messages");
        long sessions = count("sessions");

        Result result = attack.send().apply(this);

        assertThat(attack.name() + ": " + result.body(), result.status(), is(attack.status()));
        assertThat(attack.name(), result.code(), is(attack.code()));
        assertThat(result.headers().get("content-type"), is("application/json"));
        assertThat(n8n.requestCount(), is(calls));
        assertThat(count("chat_messages"), is(messages));
        assertThat(count("sessions"), is(sessions));
        assertThat(result.body(), not(org.hamcrest.Matchers.containsString("alice's secret")));
        if (attack.name().startsWith("CORS")) {
            assertThat(result.headers().get("access-control-allow-origin"), is(nullValue()));
        }
    }

    // ---- helpers used by the attacks

    private Result chatWith(String cookie) {
        return send(app.visitor().cookie(cookie), CHAT, MESSAGE);
    }

    private Result send(Visitor visitor, String path, String body, String... headers) {
        return sendTyped(visitor, path, body, "application/json", headers);
    }

    private Result sendTyped(Visitor visitor, String path, String body, String type, String... headers) {
        HttpRequest.Builder request = visitor.request(path).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        Result result = of(visitor.send(request));
        visitor.origin(TestApp.ORIGIN);
        return result;
    }

    private Result get(Visitor visitor, String path) {
        return of(visitor.send(visitor.request(path).GET()));
    }

    private Result getFrom(Visitor visitor, String origin, String path) {
        visitor.origin(origin);
        try {
            return get(visitor, path);
        } finally {
            visitor.origin(TestApp.ORIGIN);
        }
    }

    private Result create(String origin) {
        Visitor visitor = app.visitor().origin(origin);
        return of(visitor.post("/api/v1/session/create", "{\"origin_domain\":\"shop.example.com\"}"));
    }

    private Result preflight(String origin) {
        Visitor visitor = app.visitor().origin(origin);
        return of(visitor.send(visitor.request(CHAT).header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())));
    }

    private Result raw(String method, String path, Map<String, String> headers, byte[] body) {
        RawHttp.Response response = RawHttp.send(app.port(), RawHttp.request(method, path, headers, body));
        return new Result(response.status(), response.body(), response.headers());
    }

    private Map<String, String> aliceHeaders() {
        return Map.of("Content-Type", "application/json", "Origin", TestApp.ORIGIN,
                "Cookie", "chat_session_id=" + alice.cookie(), "User-Agent", alice.userAgent(),
                "Accept-Language", "en-GB,en;q=0.9");
    }

    private ObjectNode header(String alg) {
        ObjectNode header = TestTokens.header(alice.cookie());
        header.put("alg", alg);
        return header;
    }

    private ObjectNode payload() {
        return TestTokens.payload(alice.cookie());
    }

    private String resigned(java.util.function.Consumer<ObjectNode> change) {
        ObjectNode payload = payload();
        change.accept(payload);
        return TestTokens.sign(header("HS256"), payload, TestApp.JWT_SECRET, "HmacSHA256");
    }

    private String resignedHeader(java.util.function.Consumer<ObjectNode> change) {
        ObjectNode header = header("HS256");
        change.accept(header);
        return TestTokens.sign(header, payload(), TestApp.JWT_SECRET, "HmacSHA256");
    }

    private String tamperedPayload() {
        String[] parts = alice.cookie().split("\\.");
        ObjectNode payload = payload();
        payload.put("sub", bob.sessionId());
        return parts[0] + "." + TestTokens.encode(payload) + "." + parts[2];
    }

    private String tamperedSignature() {
        String token = alice.cookie();
        char last = token.charAt(token.length() - 5);
        return token.substring(0, token.length() - 5) + (last == 'x' ? 'y' : 'x') + token.substring(token.length() - 4);
    }

    private String n8nToken() {
        JwtCodec n8nCodec = new JwtCodec(TokenKind.N8N, "HS256", "chat-proxy", SigningKey.of(TestApp.N8N_SECRET),
                List.of(), java.time.Clock.systemUTC());
        return n8nCodec.sign(alice.sessionId(), Duration.ofSeconds(30),
                Map.of("origin", TestApp.ORIGIN, "fp", payload().get("fp").asText()),
                java.util.Optional.of("jti-1"));
    }

    private long count(String table) {
        try (var rows = AppInternals.database(app.app()).client().execute()
                .query("SELECT count(*) AS n FROM " + table)) {
            return rows.findFirst().orElseThrow().column("n").get(Long.class);
        }
    }

    private static Result of(Visitor.Answer answer) {
        return new Result(answer.status(), answer.body(), answer.firstHeaders());
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }
}
