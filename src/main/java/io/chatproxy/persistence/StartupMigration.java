package io.chatproxy.persistence;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.flywaydb.core.api.FlywayException;

import io.chatproxy.config.SettingsReader;
import io.chatproxy.config.StartupException;

/**
 * Migrates the schema at start-up on one connection of its own, before the pool exists: a database with a single free
 * slot is enough, and the pool cannot take that slot first. While the database refuses (down, starting, or full) it is
 * tried again for {@code database.startup-wait}, one log line per attempt; then start-up ends with one line.
 */
final class StartupMigration {
    private static final System.Logger LOGGER = System.getLogger(StartupMigration.class.getName());
    private static final Duration PAUSE = Duration.ofSeconds(1);

    private final DatabaseSettings settings;

    StartupMigration(DatabaseSettings settings) {
        this.settings = settings;
    }

    /**
     * Waits for one connection, migrates on it and closes it; throws {@link StartupException} on giving up.
     *
     * @return for H2, the migration's connection, which must stay open as long as the database is used: H2 binds the
     *         check constraints that an {@code ALTER TABLE} re-creates to the session that ran it, and once that session
     *         is closed every insert fails with "Check constraint invalid" (the database is closed, says the cause)
     */
    Optional<Connection> run() {
        long start = System.nanoTime();
        long deadline = start + settings.startupWait().toNanos();
        for (int attempt = 1;; attempt++) {
            Connection connection = null;
            try {
                connection = connect(secondsLeft(deadline));
                int applied = Database.migrate(new SingleConnection(connection));
                LOGGER.log(System.Logger.Level.INFO, "Database schema current (" + applied + " migrations applied)");
                if (settings.url().postgres()) {
                    connection.close();
                    return Optional.empty();
                }
                return Optional.of(connection);
            } catch (SQLException | FlywayException e) {
                closeQuietly(connection);
                String reason = reason(e);
                if (e instanceof FlywayException flyway && !worthWaiting(e)) {
                    throw flyway; // the migration itself failed: a defect, not an outage
                }
                if (!worthWaiting(e)) {
                    throw new StartupException("the database refused the connection (" + reason + "): check "
                            + SettingsReader.settingName("database.url"));
                }
                long waited = Duration.ofNanos(System.nanoTime() - start).toMillis();
                if (System.nanoTime() + PAUSE.toNanos() - deadline > 0) {
                    throw new StartupException("the database did not accept a connection within "
                            + settings.startupWait().toSeconds() + " s (" + attempt + " attempts, last: " + reason
                            + "): check " + SettingsReader.settingName("database.url") + " or wait longer with "
                            + SettingsReader.settingName("database.startup-wait"));
                }
                LOGGER.log(System.Logger.Level.WARNING, "Database not reachable yet (attempt " + attempt + ", "
                        + waited + " ms of " + settings.startupWait().toMillis() + " ms): " + reason);
                sleep();
            }
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // the attempt failed already; its reason is what is reported
            }
        }
    }

    private Connection connect(int timeoutSeconds) throws SQLException {
        Properties props = new Properties();
        settings.url().username().ifPresent(u -> props.setProperty("user", u));
        settings.url().password().ifPresent(p -> props.setProperty("password", p));
        if (settings.url().postgres()) {
            props.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        }
        return DriverManager.getConnection(settings.url().jdbcUrl(), props);
    }

    private static int secondsLeft(long deadline) {
        return (int) Math.max(1, Math.min(10, Duration.ofNanos(deadline - System.nanoTime()).toSeconds()));
    }

    /**
     * Whether waiting can help: the database is unreachable (08), starting or shutting down (57P), or out of
     * connection slots (53300). A wrong password or a missing database will not fix itself.
     */
    private static boolean worthWaiting(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                return state.startsWith("08") || state.startsWith("57P") || state.equals("53300");
            }
        }
        return false;
    }

    /** The innermost message, on one line. */
    private static String reason(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }

    private static void sleep() {
        try {
            Thread.sleep(PAUSE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while waiting for the database");
        }
    }

    /**
     * Hands Flyway the one connection whenever it asks (it asks for a second one on PostgreSQL); closing is left to
     * the owner.
     */
    private record SingleConnection(Connection connection) implements DataSource {
        @Override
        public Connection getConnection() {
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[]{Connection.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "close" -> null;
                        case "isClosed" -> connection.isClosed();
                        default -> {
                            try {
                                yield method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    });
        }

        @Override
        public Connection getConnection(String username, String password) {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            // not used
        }

        @Override
        public void setLoginTimeout(int seconds) {
            // not used
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
