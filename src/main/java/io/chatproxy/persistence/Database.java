package io.chatproxy.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.DbStatements;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import io.helidon.dbclient.jdbc.JdbcConnectionPool;
import io.helidon.dbclient.jdbc.JdbcParametersConfig;
import org.flywaydb.core.Flyway;

/**
 * The connection pool, the schema migrations and the Helidon DbClient over them. SQL lives in
 * {@code db/statements.yaml}; the same statements and migrations run on PostgreSQL and H2, but for the few that
 * {@code db/statements-postgresql.yaml} gives PostgreSQL's own text (chosen here, once).
 */
public final class Database implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Database.class.getName());
    /**
     * Every text is bound with {@code setString}. By default DbClient binds a text longer than 1,024 characters (any
     * answer of some length) as a character stream over a copy of its characters: H2 then builds a CLOB and converts
     * it back to a string for the column, which was a third of the cost of storing an answer there.
     */
    private static final JdbcParametersConfig TEXT_AS_STRINGS = JdbcParametersConfig.builder()
            .useStringBinding(false)
            .build();

    private final RenewablePool dataSource;
    private final DbClient client;
    private final DatabaseUrl url;
    private final ConnectionGate gate;
    private final Optional<Connection> migrationSession;

    private Database(RenewablePool dataSource, DbClient client, DatabaseUrl url, ConnectionGate gate,
            Optional<Connection> migrationSession) {
        this.dataSource = dataSource;
        this.client = client;
        this.url = url;
        this.gate = gate;
        this.migrationSession = migrationSession;
    }

    /**
     * Migrates the schema when configured (on one connection, waiting for the database up to
     * {@code database.startup-wait}), then opens the pool.
     *
     * @param settings database settings
     * @return the open database
     */
    public static Database open(DatabaseSettings settings) {
        Optional<Connection> migrationSession = settings.migrateOnStart()
                ? new StartupMigration(settings).run()
                : Optional.empty();
        RenewablePool dataSource = new RenewablePool(poolConfig(settings));
        try {
            ConnectionGate gate = new ConnectionGate(() -> reachable(settings), settings.probeInterval(), up -> {
                if (up) {
                    dataSource.databaseBack();
                } else {
                    dataSource.databaseDown();
                }
            });
            JdbcConnectionPool pool = () -> connection(dataSource, gate);
            DbClient client = JdbcClientBuilder.create()
                    .connectionPool(pool)
                    .statements(statements(settings.url().postgres()))
                    .parametersSetter(TEXT_AS_STRINGS)
                    .build();
            return new Database(dataSource, client, settings.url(), gate, migrationSession);
        } catch (RuntimeException e) {
            dataSource.close();
            migrationSession.ifPresent(Database::closeQuietly);
            throw e;
        }
    }

    /** The named statements, with PostgreSQL's own text for the few that differ there. */
    private static DbStatements statements(boolean postgres) {
        DbStatements.Builder statements = DbStatements.builder().config(statementsIn("db/statements.yaml"));
        if (postgres) {
            statements.config(statementsIn("db/statements-postgresql.yaml"));
        }
        return statements.build();
    }

    private static Config statementsIn(String resource) {
        return Config.just(ConfigSources.classpath(resource)).get("statements");
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOGGER.log(System.Logger.Level.DEBUG, "Closing the migration session: " + e);
        }
    }

    private static Connection connection(RenewablePool dataSource, ConnectionGate gate) {
        if (!gate.open()) {
            throw new StorageUnavailableException(new SQLException("database unreachable (failing fast)", "08001"));
        }
        try {
            return dataSource.connection();
        } catch (SQLException e) {
            gate.suspect();
            throw new StorageUnavailableException(e);
        }
    }

    /** A fresh connection outside the pool, so the pool's waiters are not involved while probing. */
    private static boolean reachable(DatabaseSettings settings) {
        Properties props = new Properties();
        settings.url().username().ifPresent(u -> props.setProperty("user", u));
        settings.url().password().ifPresent(p -> props.setProperty("password", p));
        props.setProperty("connectTimeout", "1");
        try (Connection c = DriverManager.getConnection(settings.url().jdbcUrl(), props)) {
            return c.isValid(1);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Applies the versioned migrations in {@code db/migration}; a no-op when the schema is current.
     *
     * @param dataSource where to migrate
     * @return number of migrations applied
     */
    static int migrate(javax.sql.DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate().migrationsExecuted;
    }

    /** The DbClient for named statements. */
    public DbClient client() {
        return client;
    }

    /** Whether this is PostgreSQL (else embedded H2). */
    public boolean postgres() {
        return url.postgres();
    }

    /** Whether no other process can reach this database (see {@link DatabaseUrl#privateToThisProcess()}). */
    public boolean privateToThisProcess() {
        return url.privateToThisProcess();
    }

    /**
     * Runs a database call, turning connection and timeout failures into {@link StorageUnavailableException}.
     *
     * @param call the call
     * @param <T> result type
     * @return its result
     */
    public <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (DbClientException e) {
            gate.failedWith(e);
            throw new StorageUnavailableException(e);
        }
    }

    /** Checks that a connection can be had and answers; false when the database is unreachable. */
    public boolean ping() {
        if (!gate.open()) {
            return false;
        }
        try (Connection connection = connection(dataSource, gate)) {
            return connection.isValid(2);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * A count that changes whenever the database is found down or back (the gate closes or opens), so a health result
     * cached before the change is not served after it.
     */
    public long stateChanges() {
        return gate.changes();
    }

    /** Connections in use and idle, for metrics. */
    public PoolState poolState() {
        return dataSource.state();
    }

    @Override
    public void close() {
        gate.close();
        dataSource.close();
        migrationSession.ifPresent(Database::closeQuietly);
    }

    private static HikariConfig poolConfig(DatabaseSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("chat-proxy");
        config.setJdbcUrl(settings.url().jdbcUrl());
        settings.url().username().ifPresent(config::setUsername);
        settings.url().password().ifPresent(config::setPassword);
        config.setMaximumPoolSize(settings.maxPoolSize());
        config.setMinimumIdle(Math.min(settings.minIdle(), settings.maxPoolSize()));
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        config.setValidationTimeout(settings.validationTimeout().toMillis());
        config.setMaxLifetime(settings.maxLifetime().toMillis());
        // Start even when the database is down: requests get 503 until it is back.
        config.setInitializationFailTimeout(-1);
        if (settings.url().postgres()) {
            long timeoutMillis = settings.queryTimeout().toMillis();
            config.addDataSourceProperty("options", "-c statement_timeout=" + timeoutMillis);
            config.addDataSourceProperty("socketTimeout", Long.toString(Math.max(1, timeoutMillis / 1000 * 2)));
            config.addDataSourceProperty("connectTimeout",
                    Long.toString(Math.max(1, settings.connectionTimeout().toSeconds())));
            config.addDataSourceProperty("tcpKeepAlive", "true");
        }
        return config;
    }

    /**
     * Pool figures.
     *
     * @param active connections in use
     * @param idle idle connections
     * @param waiting threads waiting for a connection
     */
    public record PoolState(int active, int idle, int waiting) {
    }
}
