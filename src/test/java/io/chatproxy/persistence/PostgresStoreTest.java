package io.chatproxy.persistence;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.AppInternals;
import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.MutableClock;
import io.chatproxy.testing.PostgresDatabase;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class PostgresStoreTest {
    private PostgresDatabase database;
    private FakeN8n n8n;

    @BeforeEach
    void createDatabase() {
        database = PostgresDatabase.create();
        n8n = FakeN8n.start();
    }

    @AfterEach
    void dropDatabase() {
        n8n.close();
        database.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", database.url());
        env.put("N8N_WEBHOOK_URL", n8n.webhookUrl().toString());
        env.put("CHAT_PROXY_DATABASE__POOL__CONNECTION_TIMEOUT", "PT1S");
        return env;
    }

    @Test
    void sessionAndHistorySurviveRestart() {
        Visitor visitor;
        try (TestApp first = TestApp.start(env())) {
            visitor = first.visitor();
            visitor.createSession();
            visitor.chat("remember me");
        }
        try (TestApp second = TestApp.start(env())) {
            Visitor sameBrowser = visitor.at(second.uri());

            assertThat(sameBrowser.get("/api/v1/session/validate").status(), is(200));
            JsonNode messages = sameBrowser.history().json().get("messages");
            assertThat(messages.size(), is(2));
            assertThat(messages.get(1).get("content").asText(), is("Echo: remember me"));
            assertThat(messages.get(1).get("status").asText(), is("complete"));
        }
    }

    @Test
    void fiftySessionsTimesTwentyMessagesAreStoredOnceInOrder() throws Exception {
        n8n.reply(FakeN8n.Reply.echoStream(2, Duration.ofMillis(1)));
        // 50 visitors at once wait for a pooled connection as in production (app.yaml's 3 s): with 1 s a loaded CI
        // machine answered some of them 503 database_unavailable
        Map<String, String> env = env();
        env.remove("CHAT_PROXY_DATABASE__POOL__CONNECTION_TIMEOUT");
        try (TestApp app = TestApp.start(env);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Visitor>> sessions = new ArrayList<>();
            for (int s = 0; s < 50; s++) {
                sessions.add(pool.submit(() -> {
                    Visitor visitor = app.visitor();
                    visitor.createSession();
                    for (int m = 0; m < 20; m++) {
                        visitor.chat("message " + m);
                    }
                    return visitor;
                }));
            }
            for (Future<Visitor> future : sessions) {
                Visitor visitor = future.get();
                JsonNode messages = visitor.history().json().get("messages");
                assertThat(messages.size(), is(40));
                for (int m = 0; m < 20; m++) {
                    assertThat(messages.get(2 * m).get("content").asText(), is("message " + m));
                    assertThat(messages.get(2 * m + 1).get("content").asText(), is("Echo: message " + m));
                    assertThat(messages.get(2 * m + 1).get("status").asText(), is("complete"));
                }
            }
            try (Connection c = database.connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st
                            .executeQuery("SELECT count(*), count(DISTINCT (session_id, seq)) FROM chat_messages")) {
                rs.next();
                assertThat(rs.getInt(1), is(2000));
                assertThat(rs.getInt(2), is(2000));
            }
        }
    }

    @Test
    void databaseOutageAnswers503AndRecoversByItself() throws Exception {
        try (TestApp app = TestApp.start(env())) {
            Visitor visitor = app.visitor();
            visitor.createSession();
            visitor.chat("before");
            int calls = n8n.requestCount();

            PostgresDatabase.admin("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS false");
            PostgresDatabase.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                    + database.name() + "'");
            try {
                Visitor.Answer chat = visitor.post("/api/v1/chat/stream", "{\"message\":\"during\"}");
                assertThat(chat.status(), is(503));
                assertThat(chat.errorCode(), is("database_unavailable"));
                assertThat(chat.header("Retry-After").isPresent(), is(true));
                assertThat(app.visitor().createSession().status(), is(503));
                assertThat(visitor.get("/health").status(), is(503));
                assertThat(n8n.requestCount(), is(calls));
            } finally {
                PostgresDatabase.admin("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS true");
            }

            Thread.sleep(2100); // /health caches its result for 2 s
            assertThat(visitor.get("/health").status(), is(200));
            visitor.chat("after");
            List<String> contents = new ArrayList<>();
            visitor.history().json().get("messages").forEach(m -> contents.add(m.get("content").asText()));
            assertThat(contents, is(List.of("before", "Echo: before", "after", "Echo: after")));
        }
    }

    @Test
    void migratesEmptyDatabaseAndSecondRunIsNoOp() throws Exception {
        try (HikariDataSource ds = new HikariDataSource()) {
            ds.setJdbcUrl(database.jdbcUrl());
            ds.setUsername(database.user());

            String[] migrations = new java.io.File(Database.class.getResource("/db/migration").toURI()).list();
            int latest = migrations.length;

            assertThat(Database.migrate(ds), is(latest));
            assertThat(Database.migrate(ds), is(0));

            try (Connection c = ds.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT max(version) FROM flyway_schema_history")) {
                rs.next();
                assertThat(rs.getString(1), is(Integer.toString(latest)));
            }
        }
    }

    @Test
    void sweepDeletesExpiredSessionsWithTheirMessages() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestApp app = TestApp.start(env(), clock)) {
            Visitor old = app.visitor();
            old.createSession();
            old.chat("old");
            clock.advance(Duration.ofDays(20));
            Visitor fresh = app.visitor();
            fresh.createSession();
            clock.advance(Duration.ofDays(12));

            Sweeper.Result result = AppInternals.sweeper(app.app()).sweep();

            assertThat(result.sessionsDeleted(), is(1L));
            try (Connection c = database.connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM chat_messages")) {
                rs.next();
                assertThat(rs.getInt(1), is(0));
            }
            assertThat(AppInternals.sweeper(app.app()).sweep().sessionsDeleted(), is(0L));
        }
    }
}
