package io.chatproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Redis for tests: either the shared server at 127.0.0.1:6379 with a key prefix unique to the test (keys deleted on
 * close), or a private {@code redis-server} process on a free port that a test can stop and start again.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final String prefix;
    private Process process;

    private RedisServer(int port, String prefix, Process process) {
        this.port = port;
        this.prefix = prefix;
        this.process = process;
    }

    /** The machine's Redis with a fresh key prefix. */
    public static RedisServer shared() {
        return new RedisServer(6379, "test-" + UUID.randomUUID().toString().substring(0, 8) + ":", null);
    }

    /** A private redis-server process on a free port. */
    public static RedisServer privateProcess() {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisServer server = new RedisServer(port, "test-private:", null);
        server.start();
        return server;
    }

    /** URL for REDIS_URL. */
    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Key prefix for the app (CHAT_PROXY_REDIS__KEY_PREFIX). */
    public String prefix() {
        return prefix;
    }

    /** Starts the private process (again). */
    public void start() {
        try {
            process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server is needed for this test", e);
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    /** Kills the private process. */
    public void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Keys under this test's prefix. */
    public List<String> keys() {
        try (RedisClient client = RedisClient.create(url());
                StatefulRedisConnection<String, String> c = client.connect()) {
            java.util.ArrayList<String> keys = new java.util.ArrayList<>();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
                keys.addAll(page.getKeys());
                cursor = page;
            } while (!cursor.isFinished());
            return keys;
        }
    }

    /** Runs a command on this Redis. */
    public <T> T run(java.util.function.Function<io.lettuce.core.api.sync.RedisCommands<String, String>, T> command) {
        try (RedisClient client = RedisClient.create(url());
                StatefulRedisConnection<String, String> c = client.connect()) {
            return command.apply(c.sync());
        }
    }

    @Override
    public void close() {
        if (port != 6379) {
            stop();
            return;
        }
        List<String> keys = keys();
        if (!keys.isEmpty()) {
            run(r -> r.del(keys.toArray(String[]::new)));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
