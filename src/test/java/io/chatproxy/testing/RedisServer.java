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
 * Redis for tests: either the tests' shared server ({@link TestServices#redis()}) with a key prefix unique to the
 * test (keys deleted on close), or a private {@code redis-server} process on a free port that a test can stop and
 * start again.
 */
public final class RedisServer implements AutoCloseable {
    private final String url;
    private final String prefix;
    private final String executable;
    private final int port;
    private Process process;

    private RedisServer(String url, String prefix, String executable, int port) {
        this.url = url;
        this.prefix = prefix;
        this.executable = executable;
        this.port = port;
    }

    /** The tests' shared Redis with a fresh key prefix. */
    public static RedisServer shared() {
        return new RedisServer(TestServices.redis().url(),
                "test-" + UUID.randomUUID().toString().substring(0, 8) + ":", null, 0);
    }

    /** A private redis-server process on a free port ({@link TestServices#redisServerExecutable()}). */
    public static RedisServer privateProcess() {
        return process(TestServices.redisServerExecutable());
    }

    /** A private process of the given redis-server executable on a free port. */
    public static RedisServer process(String executable) {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisServer server = new RedisServer("redis://127.0.0.1:" + port + "/0", "test-private:", executable, port);
        server.start();
        return server;
    }

    /** URL for REDIS_URL. */
    public String url() {
        return url;
    }

    /** Key prefix for the app (CHAT_PROXY_REDIS__KEY_PREFIX). */
    public String prefix() {
        return prefix;
    }

    /** Starts the private process (again). */
    public synchronized void start() {
        try {
            process = new ProcessBuilder(executable, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException(executable + " is needed for this test", e);
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
    public synchronized void stop() {
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
        if (executable != null) {
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
