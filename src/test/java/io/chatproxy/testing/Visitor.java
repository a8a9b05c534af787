package io.chatproxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A browser tab on a customer's site: it keeps the session cookie and sends the Origin and User-Agent a browser
 * would.
 */
public final class Visitor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String origin;
    private final String userAgent;
    private String cookie;
    private String sessionId;

    public Visitor(URI base, String origin, String userAgent) {
        this.base = base;
        this.origin = origin;
        this.userAgent = userAgent;
    }

    /** A browser like {@code template} (same User-Agent and Origin, no cookie) talking to the given server. */
    public static Visitor against(URI base, Visitor template) {
        return new Visitor(base, template.origin, template.userAgent);
    }

    /** The same browser (cookie, User-Agent, Origin) talking to another server, e.g. another replica. */
    public Visitor at(URI otherBase) {
        Visitor copy = new Visitor(otherBase, origin, userAgent);
        copy.cookie = cookie;
        copy.sessionId = sessionId;
        return copy;
    }

    /** Changes the Origin this visitor sends. */
    public Visitor origin(String origin) {
        this.origin = origin;
        return this;
    }

    /** The User-Agent this browser sends. */
    public String userAgent() {
        return userAgent;
    }

    /** The cookie value (the session token), or null. */
    public String cookie() {
        return cookie;
    }

    /** Replaces the cookie value. */
    public Visitor cookie(String value) {
        this.cookie = value;
        return this;
    }

    /** The session id after {@link #createSession()}. */
    public String sessionId() {
        return sessionId;
    }

    /** Creates a session for the origin's host and keeps its cookie. */
    public Answer createSession() {
        String host = origin == null ? "" : URI.create(origin).getHost();
        Answer answer = post("/api/v1/session/create", "{\"origin_domain\":\"" + host + "\",\"page_url\":\""
                + origin + "/products/1\"}");
        if (answer.status() == 201) {
            sessionId = answer.json().get("session_id").asText();
        }
        return answer;
    }

    /** A JSON POST. */
    public Answer post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A GET. */
    public Answer get(String path) {
        return send(request(path).GET());
    }

    /** A DELETE. */
    public Answer delete(String path) {
        return send(request(path).DELETE());
    }

    /** Sends a chat message and returns the open response; read its body with {@link SseReader}. */
    public HttpResponse<InputStream> stream(String message) {
        try {
            String body = JSON.writeValueAsString(Map.of("message", message));
            HttpResponse<InputStream> res = http.send(request("/api/v1/chat/stream")
                    .header("Content-Type", "application/json")
                    .header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            remember(res);
            return res;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Resumes an answer after the given event id (null: from the start); read the body with {@link SseReader}. */
    public HttpResponse<InputStream> resume(String messageId, String lastEventId) {
        HttpRequest.Builder request = request("/api/v1/chat/stream/" + messageId).header("Accept", "text/event-stream")
                .GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a chat message and reads the whole answer. */
    public List<SseEvent> chat(String message) {
        HttpResponse<InputStream> res = stream(message);
        if (res.statusCode() != 200) {
            throw new AssertionError("chat answered " + res.statusCode() + ": " + readAll(res.body()));
        }
        try (SseReader reader = new SseReader(res.body())) {
            return reader.all();
        }
    }

    /** This session's history (its newest page). */
    public Answer history() {
        return get("/api/v1/chat/history/" + sessionId);
    }

    /** Every message of this session, oldest first, read page by page through {@code older_cursor}. */
    public List<JsonNode> allMessages() {
        java.util.Deque<JsonNode> all = new java.util.ArrayDeque<>();
        String path = "/api/v1/chat/history/" + sessionId + "?limit=200";
        while (true) {
            JsonNode page = get(path).json();
            List<JsonNode> messages = new java.util.ArrayList<>();
            page.path("messages").forEach(messages::add);
            for (int i = messages.size() - 1; i >= 0; i--) {
                all.addFirst(messages.get(i));
            }
            JsonNode older = page.path("older_cursor");
            if (older.isMissingNode() || older.isNull()) {
                return List.copyOf(all);
            }
            path = "/api/v1/chat/history/" + sessionId + "?limit=200&before=" + older.asText();
        }
    }

    /** A request builder with this browser's headers. */
    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("User-Agent", userAgent).header("Accept-Language", "en-GB,en;q=0.9");
        if (origin != null) {
            b.header("Origin", origin);
        }
        if (cookie != null) {
            b.header("Cookie", "chat_session_id=" + cookie);
        }
        return b;
    }

    /** Sends a request built with {@link #request(String)}. */
    public Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> res = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            remember(res);
            return new Answer(res.statusCode(), res.body(), res.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void remember(HttpResponse<?> res) {
        for (String setCookie : res.headers().allValues("set-cookie")) {
            if (setCookie.startsWith("chat_session_id=")) {
                String value = setCookie.substring("chat_session_id=".length(), setCookie.indexOf(';'));
                cookie = value.isEmpty() ? null : value;
            }
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * A plain response.
     *
     * @param status status code
     * @param body body text
     * @param headers headers (lower-case names)
     */
    public record Answer(int status, String body, Map<String, List<String>> headers) {
        /** The body as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The error code of a JSON error body. */
        public String errorCode() {
            return json().path("error").path("code").asText();
        }

        /** A header's first value. */
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        /** Headers as a simple map (first values). */
        public Map<String, String> firstHeaders() {
            Map<String, String> map = new LinkedHashMap<>();
            headers.forEach((k, v) -> map.put(k, v.getFirst()));
            return map;
        }
    }
}
