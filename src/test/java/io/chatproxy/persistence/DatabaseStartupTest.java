package io.chatproxy.persistence;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.PostgresProcess;
import io.chatproxy.testing.ProxyProcess;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * A real chat-proxy process started while its PostgreSQL (a process of the test's own) is stopped or full: it waits
 * up to {@code database.startup-wait}, migrates on a single connection, and when it gives up exits non-zero with one
 * line naming the setting.
 */
class DatabaseStartupTest {
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(90);

    private PostgresProcess postgres;
    private final List<Connection> held = new ArrayList<>();

    @AfterEach
    void stop() throws SQLException {
        for (Connection c : held) {
            c.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void startsOnceThePostgresqlItWaitsForAcceptsConnections() throws Exception {
        postgres = PostgresProcess.start();
        postgres.stopFast();
        try (ProxyProcess proxy = ProxyProcess.start(env("PT60S"))) {
            assertThat(proxy.awaitOutput("Database not reachable yet (attempt 2", PROCESS_TIMEOUT), is(true));
            postgres.startAgain();

            assertThat(proxy.output(), proxy.awaitOutput("listening on http://", PROCESS_TIMEOUT), is(true));
            assertThat(health(proxy), is(200));
        }
    }

    @Test
    void givesUpAfterTheStartupWaitWithOneLineNamingTheSettingAndNoStackTrace() throws Exception {
        postgres = PostgresProcess.start();
        postgres.stopFast();
        try (ProxyProcess proxy = ProxyProcess.start(env("PT3S"))) {
            int status = proxy.awaitExit(PROCESS_TIMEOUT);
            String out = proxy.output();

            assertThat(out, status, is(3));
            List<String> failure = out.lines().filter(l -> l.startsWith("chat-proxy: start-up failed")).toList();
            assertThat(out, failure, hasSize(1));
            assertThat(failure.getFirst(), containsString("within 3 s"));
            assertThat(failure.getFirst(), containsString("CHAT_PROXY_DATABASE__STARTUP_WAIT (database.startup-wait)"));
            assertThat(out, out.lines().filter(l -> l.startsWith("\tat ") || l.contains("Exception")).toList(),
                    is(empty()));
            assertThat(out, containsString("Database not reachable yet (attempt 1"));
        }
    }

    @Test
    void migratesAndStartsWithASingleFreeConnectionSlot() throws Exception {
        postgres = PostgresProcess.start("max_connections=6");
        holdAllSlotsButOne();
        try (ProxyProcess proxy = ProxyProcess.start(env("PT20S"))) {
            assertThat(proxy.output(), proxy.awaitOutput("listening on http://", PROCESS_TIMEOUT), is(true));
            assertThat(proxy.output(), not(containsString("Database not reachable yet")));
            assertThat(health(proxy), is(200));
        }
    }

    private void holdAllSlotsButOne() throws SQLException {
        while (true) {
            try {
                held.add(postgres.connect());
            } catch (SQLException full) {
                assertThat(full.getSQLState(), is("53300"));
                break;
            }
        }
        held.removeLast().close();
    }

    private Map<String, String> env(String startupWait) {
        return Map.of("DATABASE_URL", postgres.url(),
                "N8N_WEBHOOK_URL", "http://127.0.0.1:9/webhook/chat",
                "CHAT_PROXY_DATABASE__STARTUP_WAIT", startupWait);
    }

    private static int health(ProxyProcess proxy) {
        return new Visitor(URI.create("http://127.0.0.1:" + proxy.port()), TestApp.ORIGIN,
                "Mozilla/5.0 (start-up test)")
                .get("/health").status();
    }
}
