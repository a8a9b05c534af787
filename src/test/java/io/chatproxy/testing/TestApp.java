package io.chatproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;

import io.chatproxy.AppInternals;
import io.chatproxy.AppSettings;
import io.chatproxy.ChatProxy;
import io.chatproxy.Main;
import io.chatproxy.config.SettingsSource;

/**
 * A real chat-proxy server on an ephemeral port, configured like production through environment variables, with its
 * own embedded database unless told otherwise.
 */
public final class TestApp implements AutoCloseable {
    /** The site the test visitors come from. */
    public static final String ORIGIN = "https://shop.example.com";
    /** Secret for session cookies in tests. */
    public static final String JWT_SECRET = "test-jwt-secret-0123456789-abcdefghijklmnop";
    /** Secret for n8n tokens in tests. */
    public static final String N8N_SECRET = "test-n8n-secret-0123456789-abcdefghijklmnop";

    static {
        LogConfig.configureRuntime();
    }

    private final ChatProxy app;
    private final WebServer server;
    private final Path workDir;

    private TestApp(ChatProxy app, WebServer server, Path workDir) {
        this.app = app;
        this.server = server;
        this.workDir = workDir;
    }

    /** The environment a test server starts from: keys, one allowed origin, a private in-memory H2 database. */
    public static Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("DEBUG", "false");
        env.put("SERVER_HOST", "127.0.0.1");
        env.put("SERVER_PORT", "0");
        env.put("JWT_SECRET_KEY", JWT_SECRET);
        env.put("SESSION_SECRET_KEY", N8N_SECRET);
        env.put("ALLOWED_ORIGINS", ORIGIN + ",http://localhost:3000");
        // generous limits: tests about limits set their own
        env.put("RATE_LIMIT_PER_MINUTE", "1000");
        env.put("RATE_LIMIT_PER_HOUR", "100000");
        env.put("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__PER_MINUTE", "1000");
        env.put("CHAT_PROXY_RATE_LIMIT__SESSION_CREATE__ORIGIN_PER_MINUTE", "100000");
        env.put("CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_MINUTE", "100000");
        env.put("CHAT_PROXY_RATE_LIMIT__ORIGIN__PER_HOUR", "1000000");
        env.put("CHAT_PROXY_RATE_LIMIT__RESUME__PER_MINUTE", "100000");
        env.put("CHAT_PROXY_RATE_LIMIT__PREVIOUS_SESSION__PER_MINUTE", "100000");
        env.put("DATABASE_URL", "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        env.put("CHAT_PROXY_WARM_UP__CONVERSATIONS", "0"); // a process started with this environment starts at once
        return env;
    }

    /** Starts a server with the base environment plus overrides. */
    public static TestApp start(Map<String, String> overrides) {
        return start(overrides, Clock.systemUTC());
    }

    /** Starts a server with a given clock. */
    public static TestApp start(Map<String, String> overrides, Clock clock) {
        Map<String, String> env = baseEnv();
        env.putAll(overrides);
        env.values().removeIf(v -> v == null);
        Path dir;
        try {
            dir = Files.createTempDirectory("chat-proxy-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AppSettings settings = AppSettings.read(SettingsSource.create(env, dir));
        ChatProxy app = ChatProxy.create(settings, clock);
        try {
            return new TestApp(app, Main.start(app), dir);
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /** Base URI of the server. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** Port of the server. */
    public int port() {
        return server.port();
    }

    /** The application (for its database and stream registry). */
    public ChatProxy app() {
        return app;
    }

    /** A new browser visiting from the default origin. */
    public Visitor visitor() {
        return new Visitor(uri(), ORIGIN, "Mozilla/5.0 (TestBrowser " + UUID.randomUUID() + ")");
    }

    /**
     * Waits (up to 3 s) until no stream is open: a client has read its last event a moment before the server has
     * stored the answer and released the stream.
     *
     * @return the number of streams still open
     */
    public int awaitNoOpenStreams() {
        long deadline = System.currentTimeMillis() + 3000;
        while (AppInternals.activeStreams(app).count() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return AppInternals.activeStreams(app).count();
    }

    /** Graceful shutdown as on SIGTERM: drain, stop, close. */
    public void shutdown() {
        Main.stop(app, server);
    }

    @Override
    public void close() {
        server.stop();
        app.close();
        try (var files = Files.walk(workDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir clean-up is best effort
        }
    }
}
