package io.chatproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own (the installed PostgreSQL binaries, else the embedded ones) on a free loopback port, data under
 * {@code target/}, that the test can stop (fast or immediate) and start again. PostgreSQL refuses to run as root, so
 * as root it runs as the {@code postgres} user and is stopped by signals to its postmaster.
 */
public final class PostgresProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path bin;
    private final Path dataDir;
    private final int port;
    private final boolean root;
    private final List<String> settings;
    private Process process;

    private PostgresProcess(Path bin, Path dataDir, int port, boolean root, List<String> settings) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.port = port;
        this.root = root;
        this.settings = settings;
    }

    /**
     * Initialises a new cluster and starts it.
     *
     * @param settings server settings such as {@code max_connections=8}, beside the defaults
     * @return the running server
     */
    public static PostgresProcess start(String... settings) {
        PostgresProcess pg = create(List.of(settings));
        try {
            pg.run(pg.asPostgres(pg.bin.resolve("initdb").toString(), "-D", pg.dataDir.toString(), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-sync"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pg.startAgain();
        return pg;
    }

    /**
     * A streaming-replication standby of a running server ({@code pg_basebackup -R}), started on a port of its own.
     *
     * @param primary the server to follow
     * @param settings server settings beside the defaults
     * @return the running standby
     */
    public static PostgresProcess standbyOf(PostgresProcess primary, String... settings) {
        PostgresProcess pg = create(List.of(settings));
        try {
            Files.delete(pg.dataDir);
            pg.run(pg.asPostgres(pg.bin.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(primary.port), "-U", "postgres", "-D", pg.dataDir.toString(), "-R",
                    "-X", "stream", "--no-sync", "--checkpoint=fast"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pg.startAgain();
        return pg;
    }

    /** Whether the binaries include what {@link #standbyOf} needs (the embedded ones do not). */
    public static boolean replicationAvailable() {
        return Files.isExecutable(binaries().resolve("pg_basebackup"));
    }

    private static PostgresProcess create(List<String> settings) {
        Path bin = binaries();
        int port = freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        String name = "pg-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            // as root the server runs as the postgres user, who may not reach the checkout (a clone in a 0700 temp
            // directory, a home directory): its data then lives in a temp directory of its own
            Path dir = root
                    ? Files.createTempDirectory("chat-proxy-" + name).resolve(name)
                    : Path.of("target", name).toAbsolutePath();
            Files.createDirectories(dir);
            PostgresProcess pg = new PostgresProcess(bin, dir, port, root, settings);
            if (root) {
                pg.run(List.of("chown", "-R", "postgres:postgres", dir.getParent().toString()));
            }
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Promotes a standby to primary ({@code pg_promote()}, which waits until it is done). */
    public void promote() {
        try (Connection c = connect(); var statement = c.createStatement()) {
            statement.execute("SELECT pg_promote(true, 30)");
        } catch (SQLException e) {
            throw new IllegalStateException("promotion failed", e);
        }
    }

    /** The URL in the form operators use. */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** The port. */
    public int port() {
        return port;
    }

    /** A direct JDBC connection. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
    }

    /** Starts the server (again) and waits until it accepts connections. */
    public void startAgain() {
        List<String> command = new ArrayList<>(asPostgres(bin.resolve("postgres").toString(), "-D",
                dataDir.toString(), "-p", Integer.toString(port), "-k", dataDir.toString(), "-c",
                "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50"));
        for (String setting : settings) {
            command.addAll(List.of("-c", setting)); // a later -c wins
        }
        try {
            process = new ProcessBuilder(command)
                    .directory(dataDir.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try (Connection c = connect()) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("PostgreSQL did not start on port " + port, e);
                }
                sleep(20);
            }
        }
    }

    /** Stops like {@code pg_ctl stop -m fast}: sessions are ended, data is flushed. */
    public void stopFast() {
        stop("INT");
    }

    /** Stops like {@code pg_ctl stop -m immediate}: as if the machine lost power (recovery on next start). */
    public void stopImmediate() {
        stop("QUIT");
    }

    private void stop(String signal) {
        if (process == null || !process.isAlive()) {
            return;
        }
        long pid = postmasterPid();
        try {
            run(List.of("kill", "-" + signal, Long.toString(pid)));
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
            process.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // an immediate stop leaves postmaster.pid behind; the next start sees the process is gone
    }

    private long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stopImmediate();
        try (Stream<Path> files = Files.walk(root ? dataDir.getParent() : dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    private List<String> asPostgres(String... command) {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dataDir.getParent().toFile()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The installed PostgreSQL (as on CI), else the PostgreSQL 15 binaries the embedded test server unpacks. */
    private static Path binaries() {
        Path installed = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(installed)) {
            try (Stream<Path> versions = Files.list(installed)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb"))).max(Comparator.naturalOrder());
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return TestServices.embeddedPostgresBinaries();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
