package io.chatproxy.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A throw-away database on the local PostgreSQL (127.0.0.1:5432, trust auth), created for one test class and dropped
 * after it, so runs never collide.
 */
public final class PostgresDatabase implements AutoCloseable {
    private static final String ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final String USER = "postgres";

    private final String name;

    private PostgresDatabase(String name) {
        this.name = name;
    }

    /** Creates a new, empty database. */
    public static PostgresDatabase create() {
        String name = "chatproxy_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16)
                .toLowerCase(Locale.ROOT);
        admin("CREATE DATABASE " + name);
        return new PostgresDatabase(name);
    }

    /** The URL in the form operators use, with the user in it. */
    public String url() {
        return "postgresql://" + USER + "@127.0.0.1:5432/" + name;
    }

    /** A direct JDBC connection, for assertions. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + name, USER, "");
    }

    /** The database name. */
    public String name() {
        return name;
    }

    @Override
    public void close() {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    /** Runs a statement as the superuser on the maintenance database. */
    public static void admin(String sql) {
        try (Connection c = DriverManager.getConnection(ADMIN_URL, USER, ""); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at 127.0.0.1:5432 is needed for this test: " + e.getMessage(),
                    e);
        }
    }
}
