package io.chatproxy.persistence;

import org.junit.jupiter.api.Test;

import io.chatproxy.config.ConfigurationException;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatabaseUrlTest {
    @Test
    void onlyAnH2DatabaseNoOtherProcessCanOpenIsPrivateToThisProcess() {
        assertThat(DatabaseUrl.parse("jdbc:h2:file:./data/chat-proxy").privateToThisProcess(), is(true));
        assertThat(DatabaseUrl.parse("jdbc:h2:mem:test;DB_CLOSE_DELAY=-1").privateToThisProcess(), is(true));
        assertThat(DatabaseUrl.parse("jdbc:h2:tcp://db:9092/chat").privateToThisProcess(), is(false));
        assertThat(DatabaseUrl.parse("JDBC:H2:SSL://db/chat").privateToThisProcess(), is(false));
        assertThat(DatabaseUrl.parse("jdbc:h2:file:./data/chat;AUTO_SERVER=TRUE").privateToThisProcess(), is(false));
        assertThat(DatabaseUrl.parse("postgresql://u@db:5432/chat").privateToThisProcess(), is(false));
    }

    @Test
    void keepsJdbcPostgresUrl() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db:5432/chat?sslmode=require");

        assertThat(url.jdbcUrl(), is("jdbc:postgresql://db:5432/chat?sslmode=require"));
        assertThat(url.postgres(), is(true));
    }

    @Test
    void convertsLibpqStyleUrlWithCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://chat:p%40ss@db.internal:5433/chatdb");

        assertThat(url.jdbcUrl(), is("jdbc:postgresql://db.internal:5433/chatdb"));
        assertThat(url.username().orElseThrow(), is("chat"));
        assertThat(url.password().orElseThrow(), is("p@ss"));
    }

    @Test
    void acceptsSqlAlchemyDriverSuffix() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql+asyncpg://u:pw@localhost/app");

        assertThat(url.jdbcUrl(), is("jdbc:postgresql://localhost/app"));
        assertThat(url.username().orElseThrow(), is("u"));
    }

    @Test
    void acceptsPostgresScheme() {
        assertThat(DatabaseUrl.parse("postgres://localhost:5432/x").jdbcUrl(),
                is("jdbc:postgresql://localhost:5432/x"));
    }

    @Test
    void keepsSeveralHostsAndMapsTargetSessionAttrsForFailover() {
        DatabaseUrl url = DatabaseUrl.parse(
                "postgresql://chat:p%40ss@db1:5432,db2.internal:5433/chat?target_session_attrs=read-write&sslmode=require");

        assertThat(url.jdbcUrl(),
                is("jdbc:postgresql://db1:5432,db2.internal:5433/chat?targetServerType=primary&sslmode=require"));
        assertThat(url.username().orElseThrow(), is("chat"));
        assertThat(url.password().orElseThrow(), is("p@ss"));
    }

    @Test
    void makesH2ColumnLabelsLowerCase() {
        assertThat(DatabaseUrl.parse("jdbc:h2:mem:x").jdbcUrl(), is("jdbc:h2:mem:x;DATABASE_TO_LOWER=TRUE"));
    }

    @Test
    void refusesOtherSchemesWithoutShowingPassword() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> DatabaseUrl.parse("mysql://u:secretpw@h/db"));

        assertThat(e.getMessage(), containsString("DATABASE_URL"));
        assertThat(e.getMessage(), not(containsString("secretpw")));
    }

    @Test
    void refusesUrlWithoutDatabase() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> DatabaseUrl.parse("postgresql://u:secretpw@host"));

        assertThat(e.getMessage(), not(containsString("secretpw")));
    }

    @Test
    void toStringHidesPassword() {
        assertThat(DatabaseUrl.parse("postgresql://u:secretpw@h/db").toString(), not(containsString("secretpw")));
    }
}
