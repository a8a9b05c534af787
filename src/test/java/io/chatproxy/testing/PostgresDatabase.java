package io.chatproxy.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A throw-away database on the tests' PostgreSQL ({@link TestServices#postgres()}), created for one test class and
 * dropped after it, so runs never collide.
 */
public final class PostgresDatabase implements AutoCloseable {
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

    /** The URL in the form operators use, with the user (and password, if any) in it. */
    public String url() {
        return url(server().password());
    }

    /** The URL in the form operators use, with the given password in it. */
    public String url(String password) {
        TestServices.Postgres server = server();
        String userInfo = URLEncoder.encode(server.user(), StandardCharsets.UTF_8)
                + (password.isEmpty() ? "" : ":" + URLEncoder.encode(password, StandardCharsets.UTF_8));
        return "postgresql://" + userInfo + "@" + server.host() + ":" + server.port() + "/" + name;
    }

    /** The JDBC URL, without user or password. */
    public String jdbcUrl() {
        return server().jdbcUrl(name);
    }

    /** The superuser's name. */
    public String user() {
        return server().user();
    }

    /** A direct JDBC connection, for assertions. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), server().user(), server().password());
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
        TestServices.Postgres server = server();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL (" + server.origin() + ") is needed for this test: "
                    + e.getMessage(), e);
        }
    }

    private static TestServices.Postgres server() {
        return TestServices.postgres();
    }
}
