package io.chatproxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;

import io.chatproxy.config.SettingsSource;

/**
 * The warm-up before the server listens: visitors' conversations (session, validation, streamed and whole answers,
 * history) run over loopback against a throwaway copy of the application, so that the JIT compiler has compiled the
 * request path before the first real visitor arrives. The copy has the process's own settings but for what would leave
 * a trace: an H2 database in a temporary directory, in-process rate limits, {@link LocalN8n} for n8n, no tracing; its
 * meters leave the registry when it closes, before the application itself is built. The real database, Redis and n8n see nothing, and the warm-up never stops the start-up: a
 * failure ends it early with a warning.
 */
final class WarmUp {
    private static final System.Logger LOGGER = System.getLogger(WarmUp.class.getName());
    private static final String ORIGIN = "http://warm-up.local";
    private static final int VISITORS_AT_ONCE = 4;
    private static final int CHATS_PER_VISITOR = 4;
    private static final String LIMIT = "10000000";

    private final WarmUpSettings settings;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * What a warm-up did.
     *
     * @param conversations answers relayed
     * @param took how long it took, the copy's start and stop included
     * @param failure why it ended early, or empty
     */
    record Result(int conversations, Duration took, String failure) {
    }

    /**
     * Creates the warm-up.
     *
     * @param settings how much
     * @param environment the process's environment (the copy's settings are read as the process's are)
     * @param workingDirectory where {@code .env} and {@code app.yaml} are looked for
     */
    WarmUp(WarmUpSettings settings, Map<String, String> environment, Path workingDirectory) {
        this.settings = settings;
        this.environment = environment;
        this.workingDirectory = workingDirectory;
    }

    /** Runs it and logs what it did. */
    Result run() {
        long t0 = System.nanoTime();
        AtomicInteger conversations = new AtomicInteger();
        String failure = "";
        Path data = null;
        try {
            data = Files.createTempDirectory("chat-proxy-warm-up");
            try (LocalN8n n8n = LocalN8n.start();
                    ChatProxy copy = ChatProxy.withoutTracing(AppSettings.read(SettingsSource.create(
                            environment(n8n, data), workingDirectory)))) {
                // the server section as configured (socket options, limits), on a free loopback port
                WebServer server = WebServer.builder().config(copy.settings().config().get("server"))
                        .host("127.0.0.1").port(0).shutdownHook(false).routing(copy::routing).build().start();
                try {
                    drive(WebClient.builder().baseUri("http://127.0.0.1:" + server.port())
                            .socketOptions(SocketOptions.builder().tcpNoDelay(true).build()).build(), conversations,
                            t0 + settings.maxTime().toNanos());
                } finally {
                    server.stop();
                }
            }
        } catch (Exception | LinkageError e) {
            failure = e.toString();
            LOGGER.log(Level.DEBUG, "Warm-up failure", e);
        } finally {
            deleteQuietly(data);
        }
        Result result = new Result(conversations.get(), Duration.ofNanos(System.nanoTime() - t0), failure);
        if (failure.isEmpty()) {
            LOGGER.log(Level.INFO, "Warm-up: " + result.conversations() + " conversations in "
                    + result.took().toMillis() + " ms, before listening");
        } else {
            LOGGER.log(Level.WARNING, "Warm-up ended early after " + result.conversations() + " conversations: "
                    + failure);
        }
        return result;
    }

    private Map<String, String> environment(LocalN8n n8n, Path data) {
        Map<String, String> env = new HashMap<>(environment);
        env.keySet().removeIf(name -> name.startsWith("OTEL_"));
        env.put("DATABASE_URL", "jdbc:h2:file:" + data.resolve("warm-up"));
        env.put("REDIS_URL", "");
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        env.put("ALLOWED_ORIGINS", ORIGIN);
        env.put("ALLOWED_HOSTS", "");
        for (String limit : List.of("RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_PER_HOUR",
                "CHAT_PROXY_RATE_LIMIT__IP__PER_MINUTE", "CHAT_PROXY_RATE_LIMIT__IP__PER_HOUR",
                "CHAT_PROXY_RATE_LIMIT__SESSION__PER_MINUTE", "CHAT_PROXY_RATE_LIMIT__SESSION__PER_HOUR",
                "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE",
                "CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__ORIGIN_PER_MINUTE",
                "CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_MINUTE", "CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_HOUR")) {
            env.put(limit, LIMIT); // one client on loopback: the limits are checked, never reached
        }
        return env;
    }

    private void drive(WebClient client, AtomicInteger conversations, long deadline) throws Exception {
        try (ExecutorService visitors = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < VISITORS_AT_ONCE; i++) {
                running.add(visitors.submit(() -> {
                    while (conversations.get() < settings.conversations() && System.nanoTime() < deadline) {
                        visitor(client, conversations);
                    }
                    return null;
                }));
            }
            for (Future<?> visitor : running) {
                visitor.get();
            }
        }
    }

    /** One visitor as the widget behaves: a session, its validation, answers streamed and whole, the history. */
    private void visitor(WebClient client, AtomicInteger conversations) throws IOException {
        String cookie;
        String sessionId;
        try (HttpClientResponse created = browser(client.post("/api/v1/session/create"))
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .submit("{\"origin_domain\":\"warm-up.local\",\"page_url\":\"" + ORIGIN + "/\"}")) {
            String body = expect(created, Status.CREATED_201);
            String setCookie = created.headers().first(HeaderNames.SET_COOKIE).orElseThrow();
            cookie = setCookie.substring(0, setCookie.indexOf(';'));
            sessionId = json.readTree(body).path("session_id").asText();
        }
        try (HttpClientResponse valid = browser(client.get("/api/v1/session/validate"))
                .header(HeaderNames.COOKIE, cookie).request()) {
            expect(valid, Status.OK_200);
        }
        for (int i = 0; i < CHATS_PER_VISITOR; i++) {
            boolean streamed = i < CHATS_PER_VISITOR - 1;
            try (HttpClientResponse answer = browser(client.post(streamed
                    ? "/api/v1/chat/stream"
                    : "/api/v1/chat/message"))
                    .header(HeaderNames.COOKIE, cookie)
                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                    .header(HeaderNames.ACCEPT, streamed ? "text/event-stream" : "application/json")
                    .submit("{\"message\":\"Warm-up question " + i + "\"}")) {
                expect(answer, Status.OK_200);
            }
            conversations.incrementAndGet();
        }
        try (HttpClientResponse history = browser(client.get("/api/v1/chat/history/" + sessionId))
                .header(HeaderNames.COOKIE, cookie).request()) {
            expect(history, Status.OK_200);
        }
    }

    private static HttpClientRequest browser(HttpClientRequest request) {
        // a new connection per request, as visitors' browsers mostly arrive; and none is left open when it ends
        return request.header(HeaderNames.CONNECTION, "close")
                .header(HeaderNames.ORIGIN, ORIGIN)
                .header(HeaderNames.USER_AGENT, "Mozilla/5.0 (chat-proxy warm-up)")
                .header(HeaderNames.ACCEPT_LANGUAGE, "en");
    }

    private static String expect(HttpClientResponse response, Status status) {
        String body = response.as(String.class);
        if (!response.status().equals(status)) {
            throw new IllegalStateException("warm-up request answered " + response.status().code() + ": " + body);
        }
        return body;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOGGER.log(Level.DEBUG, "Warm-up files left in " + dir + ": " + e);
        }
    }
}
