package io.chatproxy.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.core.ExecutableProvider;

/**
 * Where the tests' PostgreSQL and Redis are, decided once per test JVM and separately for each:
 * <ol>
 * <li>{@code TEST_EMBEDDED=true} (or {@code -Dtest.embedded=true}) forces the embedded ones below;</li>
 * <li>{@code TEST_DATABASE_URL} ({@code postgresql://user:password@host:port}, a superuser) and
 * {@code TEST_REDIS_URL} ({@code redis://host:port}) name your own;</li>
 * <li>else the machine's 127.0.0.1:5432 (user postgres, trust) and 127.0.0.1:6379, when they answer, as on CI;</li>
 * <li>else real ones started from Maven Central artifacts: PostgreSQL 15 (io.zonky.test) and redis-server 6.2.6
 * (com.github.codemonstur:embedded-redis), on free ports with their data in {@code target/}, stopped by a
 * shutdown hook when the test JVM ends, however the tests went.</li>
 * </ol>
 * Test classes never share data: each gets its own database ({@link PostgresDatabase}) or key prefix
 * ({@link RedisServer}).
 */
public final class TestServices {
    private static final Path DATA = Path.of("target", "test-services");

    /** A PostgreSQL server and the superuser to create databases with. */
    public record Postgres(String host, int port, String user, String password, String origin) {
        /** The JDBC URL of one database on it. */
        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }
    }

    /** A Redis server. */
    public record Redis(String url, String origin) {
    }

    private TestServices() {
    }

    /** The tests' PostgreSQL (started on first use when embedded). */
    public static Postgres postgres() {
        return PostgresHolder.POSTGRES;
    }

    /** The tests' Redis (started on first use when embedded). */
    public static Redis redis() {
        return RedisHolder.REDIS;
    }

    /**
     * The {@code redis-server} for tests that run their own process: the embedded 6.2.6 when the tests use embedded
     * services or the machine has none on its PATH, else the machine's.
     */
    public static String redisServerExecutable() {
        if (!embeddedForced() && onPath("redis-server")) {
            return "redis-server";
        }
        return embeddedRedisServer();
    }

    /** The redis-server 6.2.6 shipped in the embedded-redis artifact, extracted once. */
    public static String embeddedRedisServer() {
        return EmbeddedRedisBinary.PATH;
    }

    private static boolean embeddedForced() {
        return "true".equalsIgnoreCase(System.getenv("TEST_EMBEDDED")) || Boolean.getBoolean("test.embedded");
    }

    private static final class PostgresHolder {
        static final Postgres POSTGRES = resolvePostgres();
    }

    private static final class RedisHolder {
        static final Redis REDIS = resolveRedis();
    }

    private static final class EmbeddedRedisBinary {
        static final String PATH = extractRedisServer();
    }

    private static Postgres resolvePostgres() {
        String url = System.getenv("TEST_DATABASE_URL");
        if (!embeddedForced() && url != null && !url.isBlank()) {
            return parsePostgres(url);
        }
        if (!embeddedForced() && answers(5432)) {
            return new Postgres("127.0.0.1", 5432, "postgres", "", "127.0.0.1:5432");
        }
        return startPostgres();
    }

    private static Redis resolveRedis() {
        String url = System.getenv("TEST_REDIS_URL");
        if (!embeddedForced() && url != null && !url.isBlank()) {
            return new Redis(url, "TEST_REDIS_URL");
        }
        if (!embeddedForced() && answers(6379)) {
            return new Redis("redis://127.0.0.1:6379/0", "127.0.0.1:6379");
        }
        RedisServer server = RedisServer.process(embeddedRedisServer());
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "embedded-redis-stop"));
        return new Redis(server.url(), "embedded redis-server 6.2.6");
    }

    static Postgres parsePostgres(String url) {
        URI uri = URI.create(url.startsWith("jdbc:") ? url.substring(5) : url);
        String user = "postgres";
        String password = "";
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
        }
        return new Postgres(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), user, password,
                "TEST_DATABASE_URL");
    }

    private static Postgres startPostgres() {
        try {
            Files.createDirectories(DATA);
            // as root, zonky runs initdb and postgres in a user namespace (unshare -U): PostgreSQL refuses root
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(DATA.resolve("postgres-" + ProcessHandle.current().pid()))
                    .setCleanDataDirectory(true)
                    .setRegisterShutdownHook(true)
                    // throw-away data: durability costs test time for nothing
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "300")
                    .start();
            return new Postgres("127.0.0.1", pg.getPort(), "postgres", "", "embedded PostgreSQL 15");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    /**
     * The bin directory of the PostgreSQL binaries that zonky unpacks into {@code java.io.tmpdir/embedded-pg}; if no
     * embedded server has run yet, one is started and stopped once to unpack them.
     */
    static Path embeddedPostgresBinaries() {
        Path unpacked = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
        return findInitdb(unpacked).orElseGet(() -> {
            try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(DATA.resolve("unpack"))
                    .setCleanDataDirectory(true).start()) {
                return findInitdb(unpacked).orElseThrow(
                        () -> new IllegalStateException("no PostgreSQL binaries under " + unpacked));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot unpack the embedded PostgreSQL", e);
            }
        });
    }

    private static Optional<Path> findInitdb(Path unpacked) {
        if (!Files.isDirectory(unpacked)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(unpacked)) {
            return dirs.map(d -> d.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb"))).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String extractRedisServer() {
        try {
            File executable = ExecutableProvider.newJarResourceProvider().get();
            return executable.getAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the embedded redis-server", e);
        }
    }

    private static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a command is on the PATH. */
    public static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        boolean windows = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, windows ? command + ".exe" : command);
            if (Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }
}
