package io.chatproxy.security;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.RawHttp;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

/**
 * Throws a few thousand malformed bodies and headers at every endpoint (seeded, so a failure can be replayed) and
 * checks the service never answers 5xx and always answers an error as JSON.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = 20261126L;
    private static final int CASES = 3000;
    private static final List<String[]> ENDPOINTS = List.of(
            new String[]{"POST", "/api/v1/session/create"},
            new String[]{"GET", "/api/v1/session/validate"},
            new String[]{"DELETE", "/api/v1/session"},
            new String[]{"POST", "/api/v1/chat/stream"},
            new String[]{"POST", "/api/v1/chat/message"},
            new String[]{"GET", "/api/v1/chat/history/SESSION"},
            new String[]{"OPTIONS", "/api/v1/chat/stream"},
            new String[]{"GET", "/health"},
            new String[]{"GET", "/metrics"},
            new String[]{"PUT", "/api/v1/session/create"},
            new String[]{"POST", "/api/v1/unknown"});
    private static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8",
            "application/json; charset=latin1", "text/plain", "application/x-www-form-urlencoded", "",
            "multipart/form-data",
            "application/jsonx", "*/*"};

    private FakeN8n n8n;
    private TestApp app;
    private Visitor visitor;

    @BeforeAll
    void start() {
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(1, java.time.Duration.ZERO));
        app = TestApp.start(Map.of("N8N_WEBHOOK_URL", n8n.webhookUrl().toString()));
        visitor = app.visitor();
        visitor.createSession();
    }

    @AfterAll
    void stop() {
        app.close();
        n8n.close();
    }

    @Test
    void malformedInputNeverCausesServerErrorsAndErrorsAreJson() throws Exception {
        Random random = new Random(SEED);
        int errors = 0;
        for (int i = 0; i < CASES; i++) {
            String[] endpoint = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
            String path = endpoint[1].replace("SESSION", random.nextBoolean() ? visitor.sessionId() : word(random));
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("User-Agent", random.nextInt(4) == 0 ? word(random) : visitor.userAgent());
            headers.put("Accept-Language", "en-GB,en;q=0.9");
            String type = CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
            if (!type.isEmpty()) {
                headers.put("Content-Type", type);
            }
            switch (random.nextInt(4)) {
                case 0 -> headers.put("Origin", TestApp.ORIGIN);
                case 1 -> headers.put("Origin", word(random));
                case 2 -> headers.put("Origin", "https://" + word(random) + ".example");
                default -> {
                }
            }
            switch (random.nextInt(4)) {
                case 0 -> headers.put("Cookie", "chat_session_id=" + visitor.cookie());
                case 1 -> headers.put("Cookie", "chat_session_id=" + mutate(random, visitor.cookie()));
                case 2 -> headers.put("Cookie", word(random) + "=" + word(random));
                default -> {
                }
            }
            if (random.nextInt(5) == 0) {
                headers.put("Access-Control-Request-Method", random.nextBoolean() ? "POST" : word(random));
            }
            if (random.nextInt(6) == 0) {
                headers.put("X-Request-Id", word(random) + "<>\"'");
            }
            byte[] body = body(random);
            RawHttp.Response response = RawHttp.send(app.port(), RawHttp.request(endpoint[0], path, headers, body));

            String replay = "case " + i + " (seed " + SEED + "): " + endpoint[0] + " " + path + " -> "
                    + response.status()
                    + " " + response.body();
            assertThat(replay, response.status(), lessThan(500));
            assertThat(replay, response.status() > 0, is(true));
            if (response.status() >= 400) {
                errors++;
                assertThat(replay, response.headers().getOrDefault("content-type", ""), startsWith("application/json"));
                JsonNode error = JSON.readTree(response.body());
                assertThat(replay, error.path("error").path("code").asText().isEmpty(), is(false));
            }
        }
        assertThat("most fuzz cases are refused", errors > CASES / 2, is(true));
    }

    private static byte[] body(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> new byte[0];
            case 1 -> randomBytes(random, random.nextInt(200));
            case 2 -> ("{\"message\":\"" + word(random) + "\"}").getBytes(StandardCharsets.UTF_8);
            case 3 -> mutate(random, "{\"message\":\"hello there\",\"page_url\":\"https://shop.example.com/x\"}")
                    .getBytes(StandardCharsets.UTF_8);
            case 4 ->
                mutate(random, "{\"origin_domain\":\"shop.example.com\",\"page_url\":\"https://shop.example.com/\"}")
                        .getBytes(StandardCharsets.UTF_8);
            case 5 -> ("[".repeat(random.nextInt(300)) + "1").getBytes(StandardCharsets.UTF_8);
            case 6 -> ("{\"message\":" + randomJsonValue(random) + "}").getBytes(StandardCharsets.UTF_8);
            case 7 -> ("{\"message\":\"" + "\\u0000".repeat(random.nextInt(5)) + "\\ud800\"}")
                    .getBytes(StandardCharsets.UTF_8);
            default ->
                ("{\"message\":\"" + "x".repeat(random.nextInt(20_000)) + "\"}").getBytes(StandardCharsets.UTF_8);
        };
    }

    private static String randomJsonValue(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> "null";
            case 1 -> Integer.toString(random.nextInt());
            case 2 -> "true";
            case 3 -> "{}";
            case 4 -> "[\"a\"]";
            default -> "\"" + word(random) + "\"";
        };
    }

    private static String mutate(Random random, String text) {
        StringBuilder s = new StringBuilder(text);
        int changes = 1 + random.nextInt(4);
        for (int c = 0; c < changes && !s.isEmpty(); c++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, (char) (32 + random.nextInt(95)));
                default -> s.setCharAt(at, (char) (32 + random.nextInt(95)));
            }
        }
        return s.toString();
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String word(Random random) {
        int n = 1 + random.nextInt(12);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }
}
