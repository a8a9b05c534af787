package io.chatproxy.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresProcess;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * Every connection slot of PostgreSQL taken by other clients while visitors chat: they get 503
 * {@code database_unavailable} (never 500), and chats succeed again as soon as slots free, with nothing lost.
 */
class DatabaseSlotsTest {
    private static final int VISITORS = 4;
    private static final Duration FULL_FOR = Duration.ofSeconds(3);

    private PostgresProcess postgres;
    private FakeN8n n8n;
    private final List<Connection> held = new ArrayList<>();

    @BeforeEach
    void start() {
        postgres = PostgresProcess.start("max_connections=12");
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(4, Duration.ofMillis(20)));
    }

    @AfterEach
    void stop() throws SQLException {
        release();
        n8n.close();
        postgres.close();
    }

    @Test
    void allSlotsTakenGiveOnlyDocumentedErrorsAndChatsReturnWhenSlotsFree() throws Exception {
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).set("DATABASE_URL", postgres.url()).map())) {
            ChatTraffic traffic = ChatTraffic.start(app, VISITORS);
            traffic.awaitCompleted(2 * VISITORS, Duration.ofSeconds(10));

            takeEverySlot();
            traffic.awaitOutcome("503 database_unavailable", Duration.ofSeconds(10));
            Thread.sleep(FULL_FOR.toMillis());
            int refusedWhileFull = traffic.count("503 database_unavailable");
            traffic.mark();
            release();
            long chatsBackAfter = traffic.millisToFirstSuccess(Duration.ofSeconds(10));
            Thread.sleep(500);
            traffic.stop();
            List<String> lost = traffic.lost();
            System.out.printf(
                    "DatabaseSlotsTest: %d visitors, outcomes %s, %d seen complete, %d lost; chats back %d ms "
                            + "after the slots were freed%n",
                    VISITORS, traffic.outcomes(), traffic.seenComplete(),
                    lost.size(), chatsBackAfter);

            assertThat(traffic.unexpected(), is(empty()));
            assertThat(refusedWhileFull, greaterThan(0));
            assertThat(lost, is(empty()));
            // a probe every 100 ms reopens the gate; slack for a loaded machine
            assertThat(chatsBackAfter >= 0 && chatsBackAfter <= 2000, is(true));
        }
    }

    /**
     * Takes every free slot, then ends chat-proxy's own connections and takes their slots too (its pool would keep
     * working on the connections it already has otherwise).
     */
    private void takeEverySlot() throws Exception {
        Connection admin = postgres.connect();
        held.add(admin);
        Set<Integer> ours = new HashSet<>();
        ours.add(pid(admin));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int quietChecks = 0;
        while (System.nanoTime() < deadline) {
            grabUntilFull(ours);
            int others;
            try (var statement = admin.createStatement();
                    var rs = statement.executeQuery(
                            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
                List<Integer> theirs = new ArrayList<>();
                while (rs.next()) {
                    if (!ours.contains(rs.getInt(1))) {
                        theirs.add(rs.getInt(1));
                    }
                }
                others = theirs.size();
                for (int pid : theirs) {
                    try (var kill = admin.createStatement()) {
                        kill.execute("SELECT pg_terminate_backend(" + pid + ")");
                    }
                }
            }
            // a backend that is still starting holds its slot before pg_stat_activity lists it: the pool's reconnect
            // can be one, so "no one else" must hold on a second look
            quietChecks = others == 0 ? quietChecks + 1 : 0;
            if (quietChecks == 2) {
                return;
            }
            Thread.sleep(others == 0 ? 250 : 20);
        }
        throw new AssertionError("could not take every connection slot");
    }

    private void grabUntilFull(Set<Integer> ours) {
        while (true) {
            try {
                Connection c = postgres.connect();
                held.add(c);
                ours.add(pid(c));
            } catch (SQLException full) {
                return;
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (var statement = c.createStatement(); var rs = statement.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void release() throws SQLException {
        for (Connection c : held) {
            c.close();
        }
        held.clear();
    }
}
