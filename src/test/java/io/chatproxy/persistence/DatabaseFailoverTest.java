package io.chatproxy.persistence;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chatproxy.testing.FakeN8n;
import io.chatproxy.testing.PostgresProcess;
import io.chatproxy.testing.TestApp;
import io.chatproxy.testing.TestEnv;
import io.chatproxy.testing.Visitor;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A primary PostgreSQL with a synchronous streaming-replication standby, both processes of the test's own; chat-proxy
 * is given both hosts with {@code target_session_attrs=read-write} (the driver's {@code targetServerType=primary}). The primary dies (immediate stop) during traffic and the
 * standby is promoted: visitors see only documented errors, chats come back without a restart, and nothing a visitor
 * saw complete is lost (the standby confirmed every commit before it was acknowledged).
 */
class DatabaseFailoverTest {
    private static final int VISITORS = 8;
    /** Time a failover manager (Patroni, a managed service) takes to notice the primary is gone. */
    private static final Duration DETECTION = Duration.ofSeconds(2);

    private PostgresProcess primary;
    private PostgresProcess standby;
    private FakeN8n n8n;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(PostgresProcess.replicationAvailable(), "needs PostgreSQL's pg_basebackup (installed binaries)");
        primary = PostgresProcess.start();
        standby = PostgresProcess.standbyOf(primary);
        try (Connection c = primary.connect(); var statement = c.createStatement()) {
            statement.execute("ALTER SYSTEM SET synchronous_standby_names = '*'");
            statement.execute("SELECT pg_reload_conf()");
            assertThat(awaitSyncStandby(statement), is(true));
        }
        n8n = FakeN8n.start();
        n8n.reply(FakeN8n.Reply.echoStream(4, Duration.ofMillis(40)));
    }

    @AfterEach
    void stop() {
        if (n8n != null) {
            n8n.close();
        }
        if (standby != null) {
            standby.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void chatsComeBackAfterPromotionWithoutARestartAndNothingSeenCompleteIsLost() throws Exception {
        // the form operators know from libpq; the driver gets targetServerType=primary
        String url = "postgresql://postgres@127.0.0.1:" + primary.port() + ",127.0.0.1:" + standby.port()
                + "/postgres?target_session_attrs=read-write";
        try (TestApp app = TestApp.start(TestEnv.create().n8n(n8n).set("DATABASE_URL", url).map())) {
            ChatTraffic traffic = ChatTraffic.start(app, VISITORS);
            traffic.awaitCompleted(3 * VISITORS, Duration.ofSeconds(10));
            int beforeFailover = traffic.seenComplete();

            primary.stopImmediate();
            Thread.sleep(DETECTION.toMillis());
            long promoting = System.nanoTime();
            standby.promote();
            long promotionTook = (System.nanoTime() - promoting) / 1_000_000;
            traffic.mark();
            long chatsBackAfter = traffic.millisToFirstSuccess(Duration.ofSeconds(15));
            Visitor probe = app.visitor();
            long healthy = System.nanoTime();
            while (probe.get("/health").status() != 200 && System.nanoTime() - healthy < 10_000_000_000L) {
                Thread.sleep(50);
            }
            long healthyAfter = (System.nanoTime() - healthy) / 1_000_000 + chatsBackAfter;
            traffic.awaitCompleted(traffic.count("200 end") + VISITORS, Duration.ofSeconds(10));
            traffic.stop();
            List<String> lost = traffic.lost();
            System.out.printf("DatabaseFailoverTest: %d visitors, outcomes %s, %d seen complete (%d before the "
                    + "primary died), %d lost; promotion took %d ms; chats back %d ms after it, /health healthy "
                    + "by %d ms%n", VISITORS, traffic.outcomes(), traffic.seenComplete(), beforeFailover,
                    lost.size(), promotionTook, chatsBackAfter, healthyAfter);

            assertThat(traffic.unexpected(), is(empty()));
            assertThat(lost, is(empty()));
            assertThat(traffic.seenComplete(), greaterThan(beforeFailover));
            // the aim is 2 s; slack for a loaded machine
            assertThat(chatsBackAfter >= 0 && chatsBackAfter <= 4000, is(true));
        }
    }

    private static boolean awaitSyncStandby(java.sql.Statement primary) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (var rs = primary.executeQuery("SELECT sync_state FROM pg_stat_replication")) {
                if (rs.next() && rs.getString(1).equals("sync")) {
                    return true;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }
}
